using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// One task row of <c>top</c> output (procps-ng or BusyBox). Sizes are bytes, percentages are
/// plain numbers (93.8 means 93.8 %), CPU time is a <see cref="TimeSpan"/>. A property is null
/// when the variant does not print that column (e.g. BusyBox has no PR, NI, RES, SHR, %MEM, TIME+).
/// </summary>
public sealed class TopProcess : CapsuleRecord
{
    // Nullable values are stored with a sentinel (no HasValue word each): records stay small.
    private int _parentPID = int.MinValue;
    private int _nice = int.MinValue;
    private long _virtualMemory = long.MinValue;
    private long _residentMemory = long.MinValue;
    private long _sharedMemory = long.MinValue;
    private double _memoryPercent = double.NaN;
    private double _virtualMemoryPercent = double.NaN;
    private long _cpuTime = long.MinValue;

    /// <summary>Process id (PID).</summary>
    public int PID { get; set; }

    /// <summary>Parent process id (BusyBox PPID; procps only when the PPID field is shown).</summary>
    public int? ParentPID
    {
        get => _parentPID == int.MinValue ? null : _parentPID;
        set => _parentPID = value ?? int.MinValue;
    }

    /// <summary>Effective user name as printed (BusyBox prints the numeric uid when it has no name).</summary>
    public string User { get; set; } = string.Empty;

    /// <summary>Scheduling priority as printed (procps PR): a number, or <c>rt</c> for real-time tasks.</summary>
    public string? Priority { get; set; }

    /// <summary>Nice value (procps NI).</summary>
    public int? Nice
    {
        get => _nice == int.MinValue ? null : _nice;
        set => _nice = value ?? int.MinValue;
    }

    /// <summary>Virtual memory in bytes (procps VIRT, BusyBox VSZ).</summary>
    public long? VirtualMemory
    {
        get => _virtualMemory == long.MinValue ? null : _virtualMemory;
        set => _virtualMemory = value ?? long.MinValue;
    }

    /// <summary>Resident memory in bytes (procps RES).</summary>
    public long? ResidentMemory
    {
        get => _residentMemory == long.MinValue ? null : _residentMemory;
        set => _residentMemory = value ?? long.MinValue;
    }

    /// <summary>Shared memory in bytes (procps SHR).</summary>
    public long? SharedMemory
    {
        get => _sharedMemory == long.MinValue ? null : _sharedMemory;
        set => _sharedMemory = value ?? long.MinValue;
    }

    /// <summary>Process state as printed, trimmed (procps S such as <c>R</c>, <c>Z</c>; BusyBox STAT such as <c>SW</c> or <c>S &lt;</c>).</summary>
    public string State { get; set; } = string.Empty;

    /// <summary>CPU usage in percent (%CPU); 0 when the output has no %CPU column.</summary>
    public double CPU { get; set; }

    /// <summary>Resident memory as a percentage of physical memory (procps %MEM).</summary>
    public double? MemoryPercent
    {
        get => double.IsNaN(_memoryPercent) ? null : _memoryPercent;
        set => _memoryPercent = value ?? double.NaN;
    }

    /// <summary>Virtual size as a percentage of physical memory (BusyBox %VSZ).</summary>
    public double? VirtualMemoryPercent
    {
        get => double.IsNaN(_virtualMemoryPercent) ? null : _virtualMemoryPercent;
        set => _virtualMemoryPercent = value ?? double.NaN;
    }

    /// <summary>Accumulated CPU time (procps TIME+ or TIME; coarser when procps had to scale it).</summary>
    public TimeSpan? CpuTime
    {
        get => _cpuTime == long.MinValue ? null : TimeSpan.FromTicks(_cpuTime);
        set => _cpuTime = value?.Ticks ?? long.MinValue;
    }

    /// <summary>Command name or command line as printed (with <c>-c</c>, the full command line).</summary>
    public string Command { get; set; } = string.Empty;

    /// <summary>Output variant the row was read from: <c>procps</c> or <c>busybox</c>.</summary>
    public string Variant { get; set; } = string.Empty;

    /// <summary>e.g. <c>7 md5sum /dev/zero (100 %)</c>.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{PID} {Command} ({CPU:0.#} %)");
}
