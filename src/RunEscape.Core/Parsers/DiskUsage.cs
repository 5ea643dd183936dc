using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>One line of <c>du</c>: the space a file or directory uses, in bytes.</summary>
public sealed class DiskUsage : CapsuleRecord
{
    /// <summary>Space used in bytes (du's KiB blocks times 1024, or a unit-suffixed size with <c>-h</c>).</summary>
    public long Size { get; set; }

    /// <summary>The path as the target sees it.</summary>
    public string Path { get; set; } = string.Empty;
}
