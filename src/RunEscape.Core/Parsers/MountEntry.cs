using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>One mount of a mount table (/proc/&lt;pid&gt;/mountinfo, /proc/mounts or <c>mount</c> output).</summary>
public sealed class MountEntry : CapsuleRecord
{
    /// <summary>What is mounted: a device, <c>overlay</c>, <c>tmpfs</c>, a share (escapes decoded).</summary>
    public string Source { get; set; } = string.Empty;

    /// <summary>Where it is mounted (escapes such as <c>\040</c> decoded to the character).</summary>
    public string MountPoint { get; set; } = string.Empty;

    /// <summary>Filesystem type, e.g. overlay, tmpfs, ext4.</summary>
    public string FileSystemType { get; set; } = string.Empty;

    /// <summary>Mount options (per-mount options in mountinfo), in order.</summary>
    public IReadOnlyList<string> Options { get; set; } = Array.Empty<string>();

    /// <summary>True when mounted read-only (<c>ro</c> among the options).</summary>
    public bool ReadOnly { get; set; }

    /// <summary>mountinfo only: the mount's id.</summary>
    public int? MountId { get; set; }

    /// <summary>mountinfo only: the parent mount's id.</summary>
    public int? ParentId { get; set; }

    /// <summary>mountinfo only: major:minor of the device.</summary>
    public string? Device { get; set; }

    /// <summary>mountinfo only: the directory of the filesystem that forms this mount's root (bind mounts).</summary>
    public string? Root { get; set; }

    /// <summary>mountinfo only: optional fields such as <c>shared:7</c> or <c>master:1</c>.</summary>
    public IReadOnlyList<string> OptionalFields { get; set; } = Array.Empty<string>();

    /// <summary>mountinfo only: the filesystem's super-block options.</summary>
    public IReadOnlyList<string> SuperOptions { get; set; } = Array.Empty<string>();

    /// <summary>mountinfo, mounts or mount.</summary>
    public string Variant { get; set; } = string.Empty;
}
