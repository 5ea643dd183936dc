using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using RunEscape.Lifecycle;
using RunEscape.Targets;

namespace RunEscape.Runtimes.Engine;

/// <summary>
/// Capsules on a local engine through the Docker Engine API. One code path serves Docker Engine
/// and Podman's Docker-compatible service; the engine kind is read from /version.
/// </summary>
public sealed class EngineRuntime : ICapsuleRuntime
{
    /// <summary>How long clean-up may take after the caller's token is cancelled.</summary>
    internal static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(20);

    private readonly DockerClient _client;
    private readonly Uri _endpoint;
    private string? _kind;

    public EngineRuntime(Uri endpoint)
    {
        _endpoint = endpoint;
        _client = new DockerClientBuilder().WithEndpoint(endpoint).Build();
    }

    public string Kind => _kind ?? "engine";

    public string Endpoint => _endpoint.ToString();

    /// <summary>Asks the engine what it is (docker or podman); also proves it is reachable.</summary>
    public async Task<string> DetectKindAsync(CancellationToken cancellationToken)
    {
        if (_kind is not null)
        {
            return _kind;
        }

        var version = await Call(() => _client.System.GetVersionAsync(cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
        var isPodman = version.Components?.Any(c => c.Name?.Contains("Podman", StringComparison.OrdinalIgnoreCase) == true) == true;
        _kind = isPodman ? "podman" : "docker";
        return _kind;
    }

    public async Task<CapsuleTargetInfo> ResolveTargetAsync(string nameOrId, CancellationToken cancellationToken)
    {
        var kind = await DetectKindAsync(cancellationToken).ConfigureAwait(false);
        ContainerInspectResponse inspect;
        try
        {
            inspect = await Call(() => _client.Containers.InspectContainerAsync(nameOrId, cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            throw new CapsuleException(
                CapsuleErrorKind.TargetNotFound,
                $"No container named or with id '{nameOrId}' exists on {kind} at {Endpoint}.",
                nameOrId,
                "Check the name with 'docker ps' or 'podman ps', or pass -EngineUri for another engine.",
                ex);
        }

        var state = inspect.State?.Status ?? "unknown";
        var running = inspect.State?.Running == true && inspect.State?.Paused != true;
        return new CapsuleTargetInfo(
            inspect.ID,
            (inspect.Name ?? nameOrId).TrimStart('/'),
            inspect.Config?.Image ?? string.Empty,
            state,
            running,
            inspect.HostConfig?.IpcMode ?? string.Empty,
            kind,
            Endpoint);
    }

    public async Task<CapsuleRunOutput> RunCapsuleAsync(CapsuleLaunch launch, CapsuleTimings timings, CancellationToken cancellationToken)
    {
        var target = launch.Target;
        var joined = new List<string>();
        var host = new HostConfig
        {
            AutoRemove = false,
            ReadonlyRootfs = true,
            CapDrop = new List<string> { "ALL" },
            CapAdd = launch.Capabilities.ToList(),
            SecurityOpt = new List<string> { "no-new-privileges" },
        };
        foreach (var ns in launch.Namespaces)
        {
            switch (ns)
            {
                case "pid":
                    host.PidMode = "container:" + target.Id;
                    joined.Add(ns);
                    break;
                case "net":
                    host.NetworkMode = "container:" + target.Id;
                    joined.Add(ns);
                    break;
                case "ipc" when target.IpcShareable:
                    // Docker refuses to join a private IPC namespace; join only a shareable one.
                    host.IpcMode = "container:" + target.Id;
                    joined.Add(ns);
                    break;
            }
        }

        var create = new CreateContainerParameters
        {
            Name = launch.Name,
            Image = launch.Image,
            Entrypoint = new List<string> { launch.Command[0] },
            Cmd = launch.Command.Skip(1).ToList(),
            Env = launch.Environment.Select(kv => kv.Key + "=" + kv.Value).ToList(),
            Labels = launch.Labels.ToDictionary(kv => kv.Key, kv => kv.Value),
            AttachStdout = true,
            AttachStderr = true,
            AttachStdin = false,
            OpenStdin = false,
            Tty = false,
            HostConfig = host,
        };

        string? id = null;
        try
        {
            var sw = Stopwatch.StartNew();
            try
            {
                var created = await Call(() => _client.Containers.CreateContainerAsync(create, cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
                id = created.ID;
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                throw new CapsuleException(
                    CapsuleErrorKind.ImageNotFound,
                    $"The capsule image '{launch.Image}' for utility '{launch.Utility}' is not on {Kind} at {Endpoint}.",
                    launch.Image,
                    "Build the capsule images with './build.ps1 Capsules' (or pull them from your registry) and try again.",
                    ex);
            }
            finally
            {
                timings.Inject = sw.Elapsed;
            }

            // Attach before start so no byte of output is lost, whatever the log driver.
            sw.Restart();
            using var stream = await Call(
                () => _client.Containers.AttachContainerAsync(id, new ContainerAttachParameters { Stream = true, Stdout = true, Stderr = true }, cancellationToken),
                Endpoint,
                cancellationToken).ConfigureAwait(false);
            await Call(() => _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
            timings.Start = sw.Elapsed;

            sw.Restart();
            var (stdout, stderr) = await stream.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
            timings.Run = sw.Elapsed;

            sw.Restart();
            var wait = await Call(() => _client.Containers.WaitContainerAsync(id, cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
            timings.Collect = sw.Elapsed;
            return new CapsuleRunOutput(id, wait.StatusCode, stdout, stderr, joined);
        }
        finally
        {
            var sw = Stopwatch.StartNew();
            await RemoveQuietlyAsync(id ?? launch.Name).ConfigureAwait(false);
            timings.Remove = sw.Elapsed;
        }
    }

    public async Task<IReadOnlyList<CapsuleInfo>> ListCapsulesAsync(CancellationToken cancellationToken)
    {
        var kind = await DetectKindAsync(cancellationToken).ConfigureAwait(false);
        var list = await Call(
            () => _client.Containers.ListContainersAsync(
                new ContainersListParameters
                {
                    All = true,
                    Filters = new Dictionary<string, IDictionary<string, bool>>
                    {
                        ["label"] = new Dictionary<string, bool> { [CapsuleLabels.Marker + "=true"] = true },
                    },
                },
                cancellationToken),
            Endpoint,
            cancellationToken).ConfigureAwait(false);

        return list.Select(c =>
        {
            IDictionary<string, string> labels = c.Labels ?? new Dictionary<string, string>();
            return new CapsuleInfo
            {
                Id = c.ID,
                Name = c.Names?.FirstOrDefault()?.TrimStart('/') ?? c.ID,
                Target = Label(labels, CapsuleLabels.Target) ?? string.Empty,
                Utility = Label(labels, CapsuleLabels.Utility) ?? string.Empty,
                State = c.State ?? string.Empty,
                Created = ParseTime(Label(labels, CapsuleLabels.Created)) ?? new DateTimeOffset(c.Created, TimeSpan.Zero),
                Deadline = ParseTime(Label(labels, CapsuleLabels.Deadline)),
                Owner = Label(labels, CapsuleLabels.Owner),
                Engine = kind,
                Endpoint = Endpoint,
            };
        }).ToList();
    }

    public async Task<bool> RemoveCapsuleAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var inspect = await Call(() => _client.Containers.InspectContainerAsync(id, cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
            if (inspect.Config?.Labels?.ContainsKey(CapsuleLabels.Marker) != true)
            {
                throw new CapsuleException(
                    CapsuleErrorKind.InvalidArgument,
                    $"Container '{id}' is not a capsule; Remove-Capsule removes only containers labelled {CapsuleLabels.Marker}.",
                    id,
                    "Use 'docker rm' or 'podman rm' for other containers.");
            }

            await Call(() => _client.Containers.RemoveContainerAsync(inspect.ID, new ContainerRemoveParameters { Force = true }, cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Names of the running containers that are not capsules (for argument completion).</summary>
    public async Task<IReadOnlyList<string>> ListTargetNamesAsync(CancellationToken cancellationToken)
    {
        var list = await Call(
            () => _client.Containers.ListContainersAsync(new ContainersListParameters { All = false }, cancellationToken),
            Endpoint,
            cancellationToken).ConfigureAwait(false);
        return list
            .Where(c => c.Labels?.ContainsKey(CapsuleLabels.Marker) != true)
            .Select(c => c.Names?.FirstOrDefault()?.TrimStart('/') ?? c.ID)
            .OrderBy(n => n, StringComparer.Ordinal)
            .ToList();
    }

    public void Dispose() => _client.Dispose();

    private async Task RemoveQuietlyAsync(string idOrName)
    {
        // The caller's token may be cancelled already (Ctrl+C, timeout): clean-up has its own.
        using var cts = new CancellationTokenSource(CleanupTimeout);
        try
        {
            await _client.Containers.RemoveContainerAsync(idOrName, new ContainerRemoveParameters { Force = true }, cts.Token).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Never created, or already gone.
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Removal already in progress.
        }
    }

    private static string? Label(IDictionary<string, string> labels, string key) => labels.TryGetValue(key, out var v) ? v : null;

    private static DateTimeOffset? ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>Maps transport failures to EngineUnreachable; API errors pass through for the caller to map.</summary>
    private static async Task<T> Call<T>(Func<Task<T>> call, string endpoint, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransportFailure(ex))
        {
            throw new CapsuleException(
                CapsuleErrorKind.EngineUnreachable,
                $"The container engine at {endpoint} cannot be reached: {ex.GetBaseException().Message}",
                endpoint,
                "Start the engine (./build.ps1 Bootstrap starts Docker and Podman), or point -EngineUri or DOCKER_HOST at a running one.",
                ex);
        }
        catch (DockerApiException ex) when (ex.StatusCode != HttpStatusCode.NotFound && (int)ex.StatusCode >= 400)
        {
            throw new CapsuleException(
                CapsuleErrorKind.EngineRejected,
                $"The engine at {endpoint} refused the request ({(int)ex.StatusCode}): {ex.ResponseBody?.Trim()}",
                endpoint,
                "Read the engine's message above; check the engine's logs if it is not clear.",
                ex);
        }
    }

    private static async Task Call(Func<Task> call, string endpoint, CancellationToken cancellationToken) =>
        await Call(async () => { await call().ConfigureAwait(false); return true; }, endpoint, cancellationToken).ConfigureAwait(false);

    private static bool IsTransportFailure(Exception ex) =>
        ex is HttpRequestException or SocketException or IOException or TimeoutException
        || ex.InnerException is { } inner && IsTransportFailure(inner)
        || ex is TaskCanceledException { InnerException: TimeoutException };
}
