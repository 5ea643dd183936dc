using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// One sample row of <c>vmstat</c> (default, <c>-w</c>, <c>-a</c>, <c>-t</c>). The first sample holds
/// averages since boot, later ones the rates over each interval. Memory is bytes (KiB in the text);
/// swap and block I/O are per second as printed; CPU columns are percentages.
/// </summary>
public sealed class VmstatSample : CapsuleRecord
{
    /// <summary>0 for the first row (averages since boot), then 1, 2, … for each interval.</summary>
    public int Sample { get; set; }

    /// <summary>Runnable processes (r).</summary>
    public int? ProcessesRunnable { get; set; }

    /// <summary>Processes in uninterruptible sleep (b).</summary>
    public int? ProcessesBlocked { get; set; }

    /// <summary>Swap in use, bytes (swpd).</summary>
    public long? SwapUsed { get; set; }

    /// <summary>Idle memory, bytes (free).</summary>
    public long? MemoryFree { get; set; }

    /// <summary>Buffer memory, bytes (buff).</summary>
    public long? MemoryBuffers { get; set; }

    /// <summary>Page cache, bytes (cache).</summary>
    public long? MemoryCache { get; set; }

    /// <summary>Inactive memory, bytes (inact, with -a).</summary>
    public long? MemoryInactive { get; set; }

    /// <summary>Active memory, bytes (active, with -a).</summary>
    public long? MemoryActive { get; set; }

    /// <summary>Memory swapped in from disk, bytes per second (si).</summary>
    public long? SwapInPerSecond { get; set; }

    /// <summary>Memory swapped out to disk, bytes per second (so).</summary>
    public long? SwapOutPerSecond { get; set; }

    /// <summary>Blocks received from block devices per second (bi).</summary>
    public long? BlocksInPerSecond { get; set; }

    /// <summary>Blocks sent to block devices per second (bo).</summary>
    public long? BlocksOutPerSecond { get; set; }

    /// <summary>Interrupts per second (in).</summary>
    public long? InterruptsPerSecond { get; set; }

    /// <summary>Context switches per second (cs).</summary>
    public long? ContextSwitchesPerSecond { get; set; }

    /// <summary>CPU time in user code, percent (us).</summary>
    public double? CpuUser { get; set; }

    /// <summary>CPU time in the kernel, percent (sy).</summary>
    public double? CpuSystem { get; set; }

    /// <summary>Idle CPU time, percent (id).</summary>
    public double? CpuIdle { get; set; }

    /// <summary>CPU time waiting for I/O, percent (wa).</summary>
    public double? CpuIOWait { get; set; }

    /// <summary>CPU time stolen by the hypervisor, percent (st).</summary>
    public double? CpuSteal { get; set; }

    /// <summary>CPU time running guests, percent (gu, procps-ng 4).</summary>
    public double? CpuGuest { get; set; }

    /// <summary>The sample's time (with -t) when the header's zone is UTC/GMT; otherwise null (see <see cref="LocalTimestamp"/>).</summary>
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>The sample's time as printed with -t, in the zone named by <see cref="TimeZone"/>.</summary>
    public DateTime? LocalTimestamp { get; set; }

    /// <summary>The time zone abbreviation vmstat printed over the timestamp column (e.g. UTC, PDT).</summary>
    public string? TimeZone { get; set; }

    /// <summary>Output variant: <c>procps</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}
