namespace RunEscape.Parsing;

/// <summary>
/// Base of every parsed record: it remembers the line it came from and, once the
/// lifecycle has stamped it, the target it describes.
/// </summary>
public abstract class CapsuleRecord
{
    /// <summary>The target the record describes (container or pod/container), set by the lifecycle.</summary>
    public string? Target { get; set; }

    /// <summary>The raw output line the record was read from (hidden from default views).</summary>
    public string? SourceLine { get; set; }
}
