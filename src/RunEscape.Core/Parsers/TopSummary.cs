using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// The summary block at the head of one <c>top</c> frame: time, uptime, load, task counts, CPU
/// split and memory. Memory is in bytes, CPU fields in percent. A property is null when the
/// variant does not print it (BusyBox prints no time, uptime, users, task states or swap).
/// </summary>
/// <remarks>
/// Inside a container, top reports the host's load, CPU and memory, not the container's limits.
/// </remarks>
public sealed class TopSummary : CapsuleRecord
{
    /// <summary>Output variant the frame was read from: <c>procps</c> or <c>busybox</c>.</summary>
    public string Variant { get; set; } = string.Empty;

    /// <summary>Time of day the frame was taken (<c>top - 15:35:41</c>).</summary>
    public TimeSpan? Time { get; set; }

    /// <summary>System uptime (<c>up 11 min</c>, <c>up 1:18</c>, <c>up 2 days,  3:04</c>), to the minute.</summary>
    public TimeSpan? Uptime { get; set; }

    /// <summary>Number of logged-in users.</summary>
    public int? Users { get; set; }

    /// <summary>1-minute load average.</summary>
    public double? LoadAverage1 { get; set; }

    /// <summary>5-minute load average.</summary>
    public double? LoadAverage5 { get; set; }

    /// <summary>15-minute load average.</summary>
    public double? LoadAverage15 { get; set; }

    /// <summary>Total tasks (procps <c>Tasks: total</c>; BusyBox: the total of <c>Load average: … running/total</c>, which counts every thread on the host).</summary>
    public int? TasksTotal { get; set; }

    /// <summary>Running tasks (procps <c>running</c>; BusyBox: the running part of <c>running/total</c>).</summary>
    public int? TasksRunning { get; set; }

    /// <summary>Sleeping tasks.</summary>
    public int? TasksSleeping { get; set; }

    /// <summary>Stopped tasks.</summary>
    public int? TasksStopped { get; set; }

    /// <summary>Zombie tasks.</summary>
    public int? TasksZombie { get; set; }

    /// <summary>Most recently assigned PID (BusyBox, last field of <c>Load average:</c>).</summary>
    public int? LastPID { get; set; }

    /// <summary>CPU time in user space, percent (procps <c>us</c>, BusyBox <c>usr</c>).</summary>
    public double? CpuUser { get; set; }

    /// <summary>CPU time in the kernel, percent (<c>sy</c>/<c>sys</c>).</summary>
    public double? CpuSystem { get; set; }

    /// <summary>CPU time in niced user processes, percent (<c>ni</c>/<c>nic</c>).</summary>
    public double? CpuNice { get; set; }

    /// <summary>Idle CPU time, percent (<c>id</c>/<c>idle</c>).</summary>
    public double? CpuIdle { get; set; }

    /// <summary>CPU time waiting for I/O, percent (<c>wa</c>/<c>io</c>).</summary>
    public double? CpuIOWait { get; set; }

    /// <summary>CPU time serving hardware interrupts, percent (<c>hi</c>/<c>irq</c>).</summary>
    public double? CpuHardwareIrq { get; set; }

    /// <summary>CPU time serving software interrupts, percent (<c>si</c>/<c>sirq</c>).</summary>
    public double? CpuSoftwareIrq { get; set; }

    /// <summary>CPU time stolen by the hypervisor, percent (procps <c>st</c>).</summary>
    public double? CpuSteal { get; set; }

    /// <summary>Total memory in bytes (BusyBox: used + free).</summary>
    public long? MemoryTotal { get; set; }

    /// <summary>Free memory in bytes.</summary>
    public long? MemoryFree { get; set; }

    /// <summary>Used memory in bytes.</summary>
    public long? MemoryUsed { get; set; }

    /// <summary>Buffers plus page cache in bytes (procps <c>buff/cache</c>).</summary>
    public long? MemoryBuffCache { get; set; }

    /// <summary>Shared memory in bytes (BusyBox <c>shrd</c>).</summary>
    public long? MemoryShared { get; set; }

    /// <summary>Buffers in bytes (BusyBox <c>buff</c>, old procps <c>buffers</c>).</summary>
    public long? MemoryBuffers { get; set; }

    /// <summary>Page cache in bytes (BusyBox <c>cached</c>, old procps <c>cached</c> on the swap line).</summary>
    public long? MemoryCached { get; set; }

    /// <summary>Memory available for new work in bytes (procps <c>avail Mem</c>).</summary>
    public long? MemoryAvailable { get; set; }

    /// <summary>Total swap in bytes.</summary>
    public long? SwapTotal { get; set; }

    /// <summary>Free swap in bytes.</summary>
    public long? SwapFree { get; set; }

    /// <summary>Used swap in bytes.</summary>
    public long? SwapUsed { get; set; }

    /// <summary>A one-line digest, e.g. <c>up 00:11:00, load 0.38 0.37 0.22, 7 tasks, 100 % idle</c>.</summary>
    public override string ToString() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"up {Uptime}, load {LoadAverage1} {LoadAverage5} {LoadAverage15}, {TasksTotal} tasks, {CpuIdle} % idle");
}
