using RunEscape.Targets;

namespace RunEscape.Lifecycle;

/// <summary>Everything a runtime needs to start one capsule; built by the lifecycle.</summary>
public sealed class CapsuleLaunch
{
    public required string Name { get; init; }

    public required string Image { get; init; }

    /// <summary>The full argv, deadline wrapper included. Never passed through a shell.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    public required CapsuleTargetInfo Target { get; init; }

    /// <summary>pid, net, ipc: the target namespaces to join.</summary>
    public required IReadOnlyList<string> Namespaces { get; init; }

    public required IReadOnlyList<string> Capabilities { get; init; }

    public required string Utility { get; init; }

    /// <summary>The user the capsule runs as (the target's user; empty: the image default, root).</summary>
    public string User { get; init; } = string.Empty;

    public required DateTimeOffset Deadline { get; init; }

    /// <summary>Privileged capsule: every capability and the host's devices (only through -Privileged).</summary>
    public bool Privileged { get; init; }

    /// <summary>
    /// The digest the image is pinned to (sha256:…): the runtime runs the image only when its repo
    /// digest or id is this one, and then by that immutable id. Null: not pinned.
    /// </summary>
    public string? ImageDigest { get; init; }

    /// <summary>The policy the image the engine resolves is checked against as well (null: none).</summary>
    public Security.CapsulePolicy? Policy { get; init; }

    /// <summary>Called with the digest of the image once the runtime knows it (for the audit trail).</summary>
    public Action<string>? ImageResolved { get; init; }

    /// <summary>Pull the image when the engine lacks it (a registry was named explicitly).</summary>
    public bool PullIfMissing { get; init; }

    /// <summary>Standard output and error are read up to this many bytes each; the rest is cut off and the capsule stopped.</summary>
    public long MaxOutputBytes { get; init; } = CapsuleRequest.DefaultMaxOutputBytes;

    /// <summary>Standard output is read up to this many lines; the rest is cut off and the capsule stopped.</summary>
    public long MaxOutputLines { get; init; } = CapsuleRequest.DefaultMaxOutputLines;
}
