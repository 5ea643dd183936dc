using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>One filesystem as <c>df</c> reports it (blocks or inodes). Sizes in bytes.</summary>
public sealed class DiskFree : CapsuleRecord
{
    /// <summary>The source: a device, <c>overlay</c>, <c>tmpfs</c>, a server share…</summary>
    public string Filesystem { get; set; } = string.Empty;

    /// <summary>Filesystem type (only with <c>df -T</c>).</summary>
    public string? Type { get; set; }

    /// <summary>Total size in bytes (null for <c>df -i</c>).</summary>
    public long? Size { get; set; }

    /// <summary>Bytes used.</summary>
    public long? Used { get; set; }

    /// <summary>Bytes available to unprivileged users.</summary>
    public long? Available { get; set; }

    /// <summary>Use%, 0–100 (null when df prints <c>-</c>).</summary>
    public double? UsePercent { get; set; }

    /// <summary>Total inodes (only with <c>df -i</c>).</summary>
    public long? Inodes { get; set; }

    /// <summary>Inodes used.</summary>
    public long? InodesUsed { get; set; }

    /// <summary>Inodes free.</summary>
    public long? InodesFree { get; set; }

    /// <summary>IUse%, 0–100.</summary>
    public double? InodesUsePercent { get; set; }

    /// <summary>Where the filesystem is mounted, as the target sees it (e.g. <c>/</c>, <c>/data</c>).</summary>
    public string MountPoint { get; set; } = string.Empty;

    /// <summary>coreutils or busybox.</summary>
    public string Variant { get; set; } = string.Empty;
}
