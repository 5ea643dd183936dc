namespace RunEscape.Lifecycle;

/// <summary>What the caller asks for: one utility against one target.</summary>
public sealed class CapsuleRequest
{
    public required string Utility { get; init; }

    public required string Target { get; init; }

    /// <summary>Extra argv appended to the catalog entry's command.</summary>
    public IReadOnlyList<string> ArgumentList { get; init; } = Array.Empty<string>();

    /// <summary>Overrides the catalog entry's deadline.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Default cap on a capsule's standard output (and, separately, its standard error).</summary>
    public const long DefaultMaxOutputBytes = 32L * 1024 * 1024;

    /// <summary>
    /// The largest cap: the output is held in memory as one string (UTF-16, up to 2 bytes a byte
    /// read), and a .NET string holds under 2^30 characters.
    /// </summary>
    public const long MaxOutputBytesLimit = 512L * 1024 * 1024;

    /// <summary>Cap on the bytes read from the utility's output; beyond it the output is truncated and the capsule stopped.</summary>
    public long MaxOutputBytes { get; init; } = DefaultMaxOutputBytes;

    /// <summary>
    /// Default cap on the lines of a capsule's standard output. Each line may become a record, and
    /// a record costs some 150-300 bytes however short its line: 500,000 records stay near 100 MiB,
    /// while `yes` within the 32 MiB byte cap alone made 16.7 million (4 GB). Long-line output (ps,
    /// top, ss: 80-150 bytes a line) reaches the byte cap first.
    /// </summary>
    public const long DefaultMaxOutputLines = 500_000;

    /// <summary>The largest line cap.</summary>
    public const long MaxOutputLinesLimit = 100_000_000;

    /// <summary>Cap on the lines read from the utility's standard output; beyond it the output is truncated and the capsule stopped.</summary>
    public long MaxOutputLines { get; init; } = DefaultMaxOutputLines;

    /// <summary>Skip parsing; the result carries the raw output only.</summary>
    public bool Raw { get; init; }

    /// <summary>Registry the built-in capsule images are pulled from (null: $RUNESCAPE_REGISTRY, else as built).</summary>
    public string? Registry { get; init; }

    /// <summary>Run the capsule privileged (all capabilities, host devices). The policy must allow it; the caller confirms it.</summary>
    public bool Privileged { get; init; }

    /// <summary>Show secret-looking environment values instead of masking them.</summary>
    public bool ShowSecrets { get; init; }

    /// <summary>Forces a parser variant (null: detect).</summary>
    public string? Variant { get; init; }
}
