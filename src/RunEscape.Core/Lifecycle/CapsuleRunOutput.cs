namespace RunEscape.Lifecycle;

/// <summary>What a runtime collected from one capsule run.</summary>
public sealed class CapsuleRunOutput
{
    public CapsuleRunOutput(string capsuleId, long exitCode, string standardOutput, string standardError, IReadOnlyList<string> sharedNamespaces)
    {
        CapsuleId = capsuleId;
        ExitCode = exitCode;
        StandardOutput = standardOutput;
        StandardError = standardError;
        SharedNamespaces = sharedNamespaces;
    }

    public string CapsuleId { get; }

    public long ExitCode { get; }

    public string StandardOutput { get; }

    public string StandardError { get; }

    /// <summary>Why the capsule could not be removed, when it could not; null when it was.</summary>
    public string? CleanupFailure { get; private init; }

    internal CapsuleRunOutput WithCleanupFailure(string failure) =>
        new(CapsuleId, ExitCode, StandardOutput, StandardError, SharedNamespaces) { TruncatedBy = TruncatedBy, CleanupFailure = failure, CapsuleName = CapsuleName, ImageDigest = ImageDigest };

    /// <summary>The output reached a cap and was cut off; the capsule was stopped.</summary>
    public bool Truncated => TruncatedBy != OutputLimit.None;

    /// <summary>Which cap cut the output off (None: the whole output was read).</summary>
    public OutputLimit TruncatedBy { get; init; }

    /// <summary>The namespaces the capsule really joined (IPC is skipped when the target's is private).</summary>
    public IReadOnlyList<string> SharedNamespaces { get; }

    /// <summary>The digest of the image the capsule really ran (repo digest, else image id); null when the runtime cannot tell.</summary>
    public string? ImageDigest { get; init; }

    /// <summary>The name the runtime gave the capsule when it differs from the launch's (Kubernetes: capsule-&lt;utility&gt;-&lt;suffix&gt;).</summary>
    public string? CapsuleName { get; init; }
}
