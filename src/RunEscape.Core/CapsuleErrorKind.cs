namespace RunEscape;

/// <summary>
/// What went wrong, in engine terms. The PowerShell layer maps each kind to one
/// <c>ErrorCategory</c>; the engine itself knows nothing of PowerShell.
/// </summary>
public enum CapsuleErrorKind
{
    /// <summary>The utility is not in the catalog.</summary>
    UtilityNotFound,
    /// <summary>The target container or pod does not exist.</summary>
    TargetNotFound,
    /// <summary>The target exists but is not running.</summary>
    TargetNotRunning,
    /// <summary>The engine or API server cannot be reached.</summary>
    EngineUnreachable,
    /// <summary>The capsule image is not present on the engine.</summary>
    ImageNotFound,
    /// <summary>The capsule did not finish before its deadline.</summary>
    Timeout,
    /// <summary>The engine refused the capsule (bad request, conflict, permission).</summary>
    EngineRejected,
    /// <summary>A capsule that was asked for (by id) does not exist.</summary>
    CapsuleNotFound,
    /// <summary>An argument is malformed.</summary>
    InvalidArgument,
    /// <summary>The caller lacks a permission (Kubernetes RBAC: a verb on a resource).</summary>
    PermissionDenied,
    /// <summary>A security policy refused the capsule (Kubernetes Pod Security admission).</summary>
    PolicyRejected,
    /// <summary>The engine does not offer what a capsule needs (ephemeral containers disabled).</summary>
    NotSupported,
}

/// <summary>
/// The one exception type the engine throws for expected failures. It carries what a
/// caller needs to build a good error record: a stable id, the object at fault and what to do.
/// </summary>
public sealed class CapsuleException : Exception
{
    public CapsuleException(CapsuleErrorKind kind, string message, object? target, string recommendedAction, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Target = target;
        RecommendedAction = recommendedAction;
    }

    /// <summary>What went wrong.</summary>
    public CapsuleErrorKind Kind { get; }

    /// <summary>The object at fault: a utility name, a container name, an engine URI, an image.</summary>
    public object? Target { get; }

    /// <summary>What the user can do about it, in one sentence.</summary>
    public string RecommendedAction { get; }

    /// <summary>A stable error id, e.g. <c>TargetNotFound</c>.</summary>
    public string ErrorId => Kind.ToString();
}
