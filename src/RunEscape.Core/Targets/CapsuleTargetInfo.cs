namespace RunEscape.Targets;

/// <summary>A resolved target: the running container a capsule attaches to.</summary>
public sealed class CapsuleTargetInfo
{
    public CapsuleTargetInfo(string id, string name, string image, string state, bool running, string ipcMode, string engineKind, string endpoint, string user = "")
    {
        User = user;
        Id = id;
        Name = name;
        Image = image;
        State = state;
        Running = running;
        IpcMode = ipcMode;
        EngineKind = engineKind;
        Endpoint = endpoint;
    }

    /// <summary>Full container id.</summary>
    public string Id { get; }

    /// <summary>Container name without the leading slash.</summary>
    public string Name { get; }

    public string Image { get; }

    /// <summary>Engine state as reported (running, exited, created, paused…).</summary>
    public string State { get; }

    public bool Running { get; }

    /// <summary>The target's IPC mode; only a shareable (or host) IPC namespace can be joined.</summary>
    public string IpcMode { get; }

    /// <summary>docker or podman.</summary>
    public string EngineKind { get; }

    public string Endpoint { get; }

    /// <summary>
    /// The user the target's main process runs as (the container's Config.User, e.g. <c>1000</c> or
    /// <c>1000:1000</c>); empty means the image default, normally root. Capsules run as this user.
    /// </summary>
    public string User { get; }

    /// <summary>The IPC namespace can be joined by another container.</summary>
    public bool IpcShareable => IpcMode is "shareable" or "host" || IpcMode.StartsWith("container:", StringComparison.Ordinal);

    /// <summary>Kubernetes: the pod's namespace (null on local engines).</summary>
    public string? Namespace { get; init; }

    /// <summary>Kubernetes: the container in the pod whose PID namespace the capsule joins (null on local engines).</summary>
    public string? Container { get; init; }

    public override string ToString() => Name;
}
