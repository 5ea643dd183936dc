using RunEscape.Parsing;

namespace RunEscape.Lifecycle;

/// <summary>The outcome of one capsule: output, parsed records and how long each phase took.</summary>
public sealed class CapsuleResult
{
    public required string Target { get; init; }

    public required string TargetId { get; init; }

    public required string Utility { get; init; }

    public required string Image { get; init; }

    /// <summary>The digest of the image the capsule ran (repo digest, else image id), for the audit trail.</summary>
    public string? ImageDigest { get; init; }

    /// <summary>The capsule ran privileged (-Privileged).</summary>
    public bool Privileged { get; init; }

    /// <summary>Environment variables whose values were masked (empty with -ShowSecrets).</summary>
    public IReadOnlyList<string> RedactedNames { get; init; } = Array.Empty<string>();

    public required string Engine { get; init; }

    public required string Endpoint { get; init; }

    public required string CapsuleName { get; init; }

    /// <summary>The user the capsule ran as: the target's user (empty: the image default, root).</summary>
    public string User { get; init; } = string.Empty;

    public required long ExitCode { get; init; }

    public required string StandardOutput { get; init; }

    public required string StandardError { get; init; }

    /// <summary>All parsed records (primary and secondary, e.g. processes and the summary).</summary>
    public required IReadOnlyList<CapsuleRecord> Records { get; init; }

    /// <summary>The records of the parser's primary type (one per process, socket, …).</summary>
    public required IReadOnlyList<CapsuleRecord> Items { get; init; }

    /// <summary>Secondary records, such as top's summary header.</summary>
    public required IReadOnlyList<CapsuleRecord> Summary { get; init; }

    /// <summary>Lines the parser could not read.</summary>
    public required IReadOnlyList<ParseIssue> ParseIssues { get; init; }

    public required IReadOnlyList<string> SharedNamespaces { get; init; }

    public required IReadOnlyList<string> Command { get; init; }

    public required DateTimeOffset Deadline { get; init; }

    public required CapsuleTimings Timings { get; init; }

    /// <summary>Why the capsule could not be removed; null when it was removed.</summary>
    public string? CleanupFailure { get; init; }

    /// <summary>The output reached a cap (-MaxOutputBytes or -MaxOutputLines) and was cut off.</summary>
    public bool OutputTruncated => OutputTruncatedBy != OutputLimit.None;

    /// <summary>Which cap cut the output off: Bytes, Lines, Records, or None.</summary>
    public OutputLimit OutputTruncatedBy { get; init; }

    public bool Succeeded => ExitCode == 0 && !OutputTruncated;
}
