using RunEscape.Lifecycle;
using RunEscape.Targets;

namespace RunEscape.Runtimes;

/// <summary>
/// One runtime per engine kind behind one interface: it resolves targets and runs capsules.
/// The lifecycle above it does the same thing whatever the engine.
/// </summary>
public interface ICapsuleRuntime : IDisposable
{
    /// <summary>docker, podman (or kubernetes).</summary>
    string Kind { get; }

    /// <summary>Where the runtime talks to, e.g. unix:///var/run/docker.sock.</summary>
    string Endpoint { get; }

    /// <summary>Finds the target by name or id, or throws TargetNotFound.</summary>
    Task<CapsuleTargetInfo> ResolveTargetAsync(string nameOrId, CancellationToken cancellationToken);

    /// <summary>
    /// Injects, starts and collects one capsule, and removes it whatever happens
    /// (success, failure, cancellation). Phase timings are recorded into <paramref name="timings"/>.
    /// </summary>
    Task<CapsuleRunOutput> RunCapsuleAsync(CapsuleLaunch launch, CapsuleTimings timings, CancellationToken cancellationToken);

    /// <summary>Capsules that exist right now, found by their label.</summary>
    Task<IReadOnlyList<CapsuleInfo>> ListCapsulesAsync(CancellationToken cancellationToken);

    /// <summary>Removes one capsule (killing it if it runs). False when it was already gone.</summary>
    Task<bool> RemoveCapsuleAsync(string id, CancellationToken cancellationToken);
}
