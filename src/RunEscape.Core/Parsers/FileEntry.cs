using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>One entry of <c>ls -l</c> (long listing): a file, directory, link or device.</summary>
public sealed class FileEntry : CapsuleRecord
{
    /// <summary>The name as listed (for a symbolic link, without <c>-&gt; target</c>).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The directory the listing was under (from its <c>dir:</c> line), or null.</summary>
    public string? Directory { get; set; }

    /// <summary>Directory and name joined (the name alone when no directory line was seen).</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>File, Directory, SymbolicLink, CharacterDevice, BlockDevice, Fifo, Socket.</summary>
    public string Type { get; set; } = string.Empty;

    /// <summary>The mode as printed, e.g. <c>-rw-r--r--</c>.</summary>
    public string Mode { get; set; } = string.Empty;

    public int Links { get; set; }

    public string Owner { get; set; } = string.Empty;

    public string Group { get; set; } = string.Empty;

    /// <summary>Size in bytes (null for devices, which show major, minor instead).</summary>
    public long? Size { get; set; }

    public int? DeviceMajor { get; set; }

    public int? DeviceMinor { get; set; }

    /// <summary>Modification time where the listing gives it fully (<c>--full-time</c>); null for the short form, whose year may be missing.</summary>
    public DateTimeOffset? Modified { get; set; }

    /// <summary>The time as printed.</summary>
    public string ModifiedText { get; set; } = string.Empty;

    /// <summary>Where a symbolic link points.</summary>
    public string? LinkTarget { get; set; }

    /// <summary>coreutils or busybox.</summary>
    public string Variant { get; set; } = string.Empty;
}
