namespace RunEscape.Runtimes.Engine;

/// <summary>
/// Chooses the Docker Engine API endpoint: an explicit URI, else DOCKER_HOST, else the Docker
/// socket, else the Podman socket (rootful, then the user's rootless one).
/// </summary>
public static class EngineEndpoint
{
    public const string DockerSocket = "/var/run/docker.sock";
    public const string PodmanSocket = "/run/podman/podman.sock";

    /// <summary>The candidates in the order they are tried, for messages and tests.</summary>
    public static IReadOnlyList<string> DefaultSockets()
    {
        var list = new List<string> { DockerSocket, PodmanSocket };
        var xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(xdg))
        {
            list.Add(Path.Combine(xdg, "podman", "podman.sock"));
        }

        return list;
    }

    /// <summary>The default sockets that exist on this machine.</summary>
    public static IReadOnlyList<string> ExistingSockets() => DefaultSockets().Where(File.Exists).ToList();

    public static Uri Resolve(string? explicitUri)
    {
        if (explicitUri is not null)
        {
            return Parse(explicitUri, "-EngineUri");
        }

        var dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrWhiteSpace(dockerHost))
        {
            return Parse(dockerHost, "DOCKER_HOST");
        }

        foreach (var socket in DefaultSockets())
        {
            if (File.Exists(socket))
            {
                return new Uri("unix://" + socket);
            }
        }

        throw new CapsuleException(
            CapsuleErrorKind.EngineUnreachable,
            $"No container engine was found: DOCKER_HOST is not set and none of {string.Join(", ", DefaultSockets())} exists.",
            string.Join(", ", DefaultSockets()),
            "Start Docker Engine or the Podman API service (./build.ps1 Bootstrap does both), or pass -EngineUri.");
    }

    private static Uri Parse(string value, string source)
    {
        if (value.StartsWith('/'))
        {
            value = "unix://" + value;
        }

        if (string.IsNullOrWhiteSpace(value) || value.Any(char.IsWhiteSpace)
            || !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("unix" or "tcp" or "http" or "https"))
        {
            throw new CapsuleException(
                CapsuleErrorKind.InvalidArgument,
                $"{source} '{value}' is not an engine URI.",
                value,
                "Use unix:///path/to/engine.sock or tcp://host:port.");
        }

        return uri;
    }
}
