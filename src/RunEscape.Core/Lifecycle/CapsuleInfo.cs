namespace RunEscape.Lifecycle;

/// <summary>A capsule that exists right now on an engine, as its labels describe it.</summary>
public sealed class CapsuleInfo
{
    public required string Id { get; init; }

    public required string Name { get; init; }

    public required string Target { get; init; }

    public required string Utility { get; init; }

    public required string State { get; init; }

    public DateTimeOffset? Created { get; init; }

    public DateTimeOffset? Deadline { get; init; }

    public string? Owner { get; init; }

    /// <summary>The utility's argv as the capsule's io.runescape.argv label records it (empty when unknown).</summary>
    public IReadOnlyList<string> Argv { get; init; } = Array.Empty<string>();

    /// <summary>The digest of the image the capsule runs (io.runescape.image-digest).</summary>
    public string? ImageDigest { get; init; }

    /// <summary>The capsule was started with -Privileged.</summary>
    public bool Privileged { get; init; }

    public required string Engine { get; init; }

    public required string Endpoint { get; init; }

    /// <summary>How long ago the capsule was created.</summary>
    public TimeSpan? Age => Created is { } c ? (DateTimeOffset.UtcNow - c is { Ticks: > 0 } age ? age : TimeSpan.Zero) : null;

    /// <summary>The capsule's deadline has passed: it is an orphan.</summary>
    public bool Expired => Deadline is { } d && d < DateTimeOffset.UtcNow;

    public override string ToString() => Name;
}
