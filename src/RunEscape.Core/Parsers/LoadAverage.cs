using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>The contents of <c>/proc/loadavg</c>: load averages, scheduling entities and the last PID.</summary>
public sealed class LoadAverage : CapsuleRecord
{
    /// <summary>Load average over 1 minute.</summary>
    public double LoadAverage1 { get; set; }

    /// <summary>Load average over 5 minutes.</summary>
    public double LoadAverage5 { get; set; }

    /// <summary>Load average over 15 minutes.</summary>
    public double LoadAverage15 { get; set; }

    /// <summary>Runnable scheduling entities (processes, threads) now.</summary>
    public int RunnableTasks { get; set; }

    /// <summary>Scheduling entities that exist on the system.</summary>
    public int TotalTasks { get; set; }

    /// <summary>PID most recently created on the system (in the kernel's initial PID namespace).</summary>
    public int LastPID { get; set; }

    /// <summary>Output variant: <c>proc</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}
