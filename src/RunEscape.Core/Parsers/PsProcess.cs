using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// One process row of <c>ps</c> output (procps-ng or BusyBox). Which properties are set depends on
/// the columns printed (<c>ps aux</c>, <c>ps -ef</c>, <c>ps -o …</c>): a column that was not printed
/// is null. Sizes are bytes, percentages plain numbers (93.8 means 93.8 %), times <see cref="TimeSpan"/>.
/// </summary>
public sealed class PsProcess : CapsuleRecord
{
    // Nullable values are stored with a sentinel (no HasValue word each): records stay small.
    private int _parentPID = int.MinValue;
    private double _cpu = double.NaN;
    private double _memoryPercent = double.NaN;
    private long _virtualMemory = long.MinValue;
    private long _residentMemory = long.MinValue;
    private long _elapsed = long.MinValue;
    private long _cpuTime = long.MinValue;
    private int _nice = int.MinValue;

    /// <summary>Process id (PID).</summary>
    public int PID { get; set; }

    /// <summary>Parent process id (PPID).</summary>
    public int? ParentPID
    {
        get => _parentPID == int.MinValue ? null : _parentPID;
        set => _parentPID = value ?? int.MinValue;
    }

    /// <summary>User name as printed (USER, UID of <c>-ef</c>, RUSER, …); a number when the user has no name.</summary>
    public string? User { get; set; }

    /// <summary>CPU use in percent (%CPU; the integer C of <c>ps -ef</c>).</summary>
    public double? CPU
    {
        get => double.IsNaN(_cpu) ? null : _cpu;
        set => _cpu = value ?? double.NaN;
    }

    /// <summary>Resident memory as a percentage of physical memory (%MEM).</summary>
    public double? MemoryPercent
    {
        get => double.IsNaN(_memoryPercent) ? null : _memoryPercent;
        set => _memoryPercent = value ?? double.NaN;
    }

    /// <summary>Virtual memory size in bytes (VSZ, KiB in the text).</summary>
    public long? VirtualMemory
    {
        get => _virtualMemory == long.MinValue ? null : _virtualMemory;
        set => _virtualMemory = value ?? long.MinValue;
    }

    /// <summary>Resident set size in bytes (RSS, KiB in the text).</summary>
    public long? ResidentMemory
    {
        get => _residentMemory == long.MinValue ? null : _residentMemory;
        set => _residentMemory = value ?? long.MinValue;
    }

    /// <summary>Controlling terminal (TTY/TT), <c>?</c> when none.</summary>
    public string? Tty { get; set; }

    /// <summary>Process state as printed (STAT or S), e.g. <c>Ss</c>, <c>R</c>, <c>Z</c>, <c>I&lt;</c>.</summary>
    public string? State { get; set; }

    /// <summary>Start time as printed (START, STIME: <c>16:13</c> or <c>Oct25</c>; STARTED: the full date); ps gives no time zone.</summary>
    public string? StartTime { get; set; }

    /// <summary>Time since the process started (ELAPSED/ETIME).</summary>
    public TimeSpan? Elapsed
    {
        get => _elapsed == long.MinValue ? null : TimeSpan.FromTicks(_elapsed);
        set => _elapsed = value?.Ticks ?? long.MinValue;
    }

    /// <summary>Accumulated CPU time (TIME).</summary>
    public TimeSpan? CpuTime
    {
        get => _cpuTime == long.MinValue ? null : TimeSpan.FromTicks(_cpuTime);
        set => _cpuTime = value?.Ticks ?? long.MinValue;
    }

    /// <summary>Nice value (NI).</summary>
    public int? Nice
    {
        get => _nice == int.MinValue ? null : _nice;
        set => _nice = value ?? int.MinValue;
    }

    /// <summary>Priority as printed (PRI).</summary>
    public string? Priority { get; set; }

    /// <summary>The short command name (<c>comm</c>) when printed beside the full command line.</summary>
    public string? CommandName { get; set; }

    /// <summary>Command line (COMMAND, CMD, args; or the name alone for <c>comm</c>), as printed.</summary>
    public string Command { get; set; } = string.Empty;

    /// <summary>True for a zombie: state Z or a command ending in <c>&lt;defunct&gt;</c>.</summary>
    public bool IsZombie => (State is { Length: > 0 } s && s[0] == 'Z') || Command.EndsWith("<defunct>", StringComparison.Ordinal);

    /// <summary>True for a kernel thread: a bracketed command (<c>[kthreadd]</c>) that is not a zombie and has no virtual memory.</summary>
    public bool IsKernelThread => !IsZombie && Command.Length > 1 && Command[0] == '[' && Command[^1] == ']' && (VirtualMemory is null or 0);

    /// <summary>Output variant the row was read from: <c>procps</c> or <c>busybox</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}
