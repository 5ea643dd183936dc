using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>What <c>uptime</c> prints: the clock, time since boot, logged-in users and load averages.</summary>
public sealed class UptimeInfo : CapsuleRecord
{
    /// <summary>Time of day as printed (the host's clock in the capsule's time zone, usually UTC).</summary>
    public TimeSpan? Time { get; set; }

    /// <summary>Time since boot (minute precision, as printed).</summary>
    public TimeSpan? Uptime { get; set; }

    /// <summary>Logged-in users; null when the output has no user count (BusyBox built without utmp).</summary>
    public int? Users { get; set; }

    /// <summary>Load average over 1 minute.</summary>
    public double? LoadAverage1 { get; set; }

    /// <summary>Load average over 5 minutes.</summary>
    public double? LoadAverage5 { get; set; }

    /// <summary>Load average over 15 minutes.</summary>
    public double? LoadAverage15 { get; set; }

    /// <summary>Output variant: <c>procps</c> or <c>busybox</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}
