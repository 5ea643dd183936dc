using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using RunEscape.Lifecycle;
using RunEscape.Security;
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

    /// <summary>How often the event log is replayed for a capsule's exit code before giving up.</summary>
    internal const int ExitCodeAttempts = 4;

    /// <summary>Pause between clean-up attempts while the engine does not answer.</summary>
    internal static readonly TimeSpan CleanupRetryDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a cancelled capsule gets to end its utility before it is killed.</summary>
    internal static readonly TimeSpan GracefulStopTimeout = TimeSpan.FromSeconds(3);

    private readonly DockerClient _client;
    private readonly Uri _endpoint;
    private readonly Lazy<(HttpClient Client, Uri Base)> _raw;
    private string? _kind;

    public EngineRuntime(Uri endpoint)
    {
        _endpoint = endpoint;
        _client = new DockerClientBuilder().WithEndpoint(endpoint).Build();
        _raw = new Lazy<(HttpClient, Uri)>(() => (EnginePing.CreateClient(endpoint, out var b), b), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Kind => _kind ?? "engine";

    public string Endpoint => _endpoint.ToString();

    /// <summary>Asks the engine what it is (docker or podman); also proves it is reachable and answers in time.</summary>
    public async Task<string> DetectKindAsync(CancellationToken cancellationToken)
    {
        if (_kind is not null)
        {
            return _kind;
        }

        try
        {
            _kind = await Call(() => EnginePing.KindAsync(_endpoint, cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (EngineProtocolException ex)
        {
            throw new CapsuleException(
                CapsuleErrorKind.EngineUnreachable,
                $"The endpoint {Endpoint} is not a container engine: {ex.Message}.",
                Endpoint,
                "Point -EngineUri or DOCKER_HOST at Docker Engine or at the Podman API service (podman system service).",
                ex);
        }

        return _kind;
    }

    public async Task<CapsuleTargetInfo> ResolveTargetAsync(string nameOrId, CancellationToken cancellationToken)
    {
        nameOrId = ContainerReference.Check(nameOrId, "container");
        var kind = await DetectKindAsync(cancellationToken).ConfigureAwait(false);
        ContainerInspectResponse inspect;
        try
        {
            inspect = await Call(() => _client.Containers.InspectContainerAsync(nameOrId, cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            var others = EngineEndpoint.ExistingSockets().Select(p => "unix://" + p).Where(u => u != Endpoint).ToList();
            var hint = others.Count > 0 ? $" Other engines on this machine: {string.Join(", ", others)} (pass it as -EngineUri)." : string.Empty;
            throw new CapsuleException(
                CapsuleErrorKind.TargetNotFound,
                $"No container named or with id '{nameOrId}' exists on {kind} at {Endpoint}.",
                nameOrId,
                $"Check the name with '{kind} ps'.{hint}",
                ex);
        }

        var state = inspect.State?.Status ?? "unknown";
        var running = inspect.State?.Running == true && inspect.State?.Paused != true && inspect.State?.Restarting != true;
        return new CapsuleTargetInfo(
            inspect.ID,
            (inspect.Name ?? nameOrId).TrimStart('/'),
            inspect.Config?.Image ?? string.Empty,
            state,
            running,
            inspect.HostConfig?.IpcMode ?? string.Empty,
            kind,
            Endpoint,
            inspect.Config?.User ?? string.Empty);
    }

    public async Task<CapsuleRunOutput> RunCapsuleAsync(CapsuleLaunch launch, CapsuleTimings timings, CancellationToken cancellationToken)
    {
        string? id = null;
        var exited = false;
        CapsuleRunOutput output;
        try
        {
            output = await RunCoreAsync(launch, timings, capsuleId => id = capsuleId, () => exited = true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var failure = await CleanUpAsync(id, launch.Name, exited, timings).ConfigureAwait(false);
            if (failure is not null)
            {
                // Keep what went wrong first (an engine lost mid-run stays EngineUnreachable).
                throw new CapsuleException(
                    ex is CapsuleException primary ? primary.Kind : CapsuleErrorKind.EngineRejected,
                    $"{ex.Message} Then the capsule {launch.Name} could not be removed: {failure}",
                    launch.Name,
                    $"Remove it with 'Remove-Capsule -Id {launch.Name}' once the engine answers again.",
                    ex);
            }

            throw;
        }

        var cleanup = await CleanUpAsync(id, launch.Name, exited, timings).ConfigureAwait(false);
        await EnsureTargetStillRunsAsync(launch, output, cancellationToken).ConfigureAwait(false);
        return cleanup is null ? output : output.WithCleanupFailure($"The capsule {launch.Name} could not be removed: {cleanup}");
    }

    /// <summary>
    /// A capsule cut short because its target went away is not the utility's failure, and its
    /// output is partial. The exit code does not tell (Podman was seen to report 0 for a capsule
    /// whose PID namespace died under it), so ask the engine whether the target still runs.
    /// </summary>
    private async Task EnsureTargetStillRunsAsync(CapsuleLaunch launch, CapsuleRunOutput output, CancellationToken cancellationToken)
    {
        var now = await ResolveTargetAsync(launch.Target.Id, cancellationToken).ConfigureAwait(false);
        if (!now.Running)
        {
            throw new CapsuleException(
                CapsuleErrorKind.TargetNotRunning,
                $"Container '{launch.Target.Name}' stopped ({now.State}) while the '{launch.Utility}' capsule ran; the capsule ended with code {output.ExitCode}.",
                launch.Target.Name,
                "Find out why the container stopped (its logs, its restart policy), then try again.");
        }
    }

    /// <summary>
    /// Stops (if still running) and removes the capsule; never throws, returns what went wrong.
    /// An engine that does not answer (restarting) is tried again until the clean-up budget ends,
    /// so a capsule whose engine comes back in time is still removed by this call.
    /// </summary>
    private async Task<string?> CleanUpAsync(string? id, string name, bool exited, CapsuleTimings timings)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                try
                {
                    if (id is not null && !exited)
                    {
                        await StopGracefullyAsync(id).ConfigureAwait(false);
                    }

                    await RemoveQuietlyAsync(id ?? name).ConfigureAwait(false);
                    return null;
                }
                catch (Exception ex) when (IsTransportFailure(ex) && sw.Elapsed + CleanupRetryDelay < CleanupTimeout)
                {
                    await Task.Delay(CleanupRetryDelay).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            return ex is DockerApiException api ? $"{(int)api.StatusCode} {api.ResponseBody?.Trim()}" : ex.GetBaseException().Message;
        }
        finally
        {
            timings.Remove = sw.Elapsed;
        }
    }

    private async Task<CapsuleRunOutput> RunCoreAsync(CapsuleLaunch launch, CapsuleTimings timings, Action<string> created, Action exitedNow, CancellationToken cancellationToken)
    {
        var target = launch.Target;
        var joined = new List<string>();
        var host = new HostConfig
        {
            // The engine removes the capsule when its process ends — at the latest at its own
            // deadline — even if this client dies; the finally below removes it sooner.
            AutoRemove = true,
            ReadonlyRootfs = true,
            CapDrop = launch.Privileged ? null : new List<string> { "ALL" },
            CapAdd = launch.Privileged ? null : launch.Capabilities.ToList(),
            Privileged = launch.Privileged,
            SecurityOpt = new List<string> { "no-new-privileges" },

            // The output comes through the attach stream; the engine's log driver would only keep
            // a second copy on the host's disk (unbounded for a utility that never stops, and
            // holding what -ShowSecrets is meant to guard).
            LogConfig = new LogConfig { Type = "none" },
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

        var sw = Stopwatch.StartNew();
        var image = await ResolveImageAsync(launch, cancellationToken).ConfigureAwait(false);
        var labels = launch.Labels.ToDictionary(kv => kv.Key, kv => kv.Value);
        labels[CapsuleLabels.ImageDigest] = image.Digest;
        var create = new CreateContainerParameters
        {
            Name = launch.Name,
            Image = image.Run,
            User = launch.User,
            Entrypoint = new List<string> { launch.Command[0] },
            Cmd = launch.Command.Skip(1).ToList(),
            Env = launch.Environment.Select(kv => kv.Key + "=" + kv.Value).ToList(),
            Labels = labels,
            AttachStdout = true,
            AttachStderr = true,
            AttachStdin = false,
            OpenStdin = false,
            Tty = false,
            HostConfig = host,
        };

        string id;
        var createdAt = DateTimeOffset.UtcNow;
        try
        {
            id = await CreateUncancellableAsync(create, cancellationToken).ConfigureAwait(false);
            created(id);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Inspected a moment ago: the image was removed in between.
            throw ImageMissing(launch, ex);
        }
        finally
        {
            timings.Inject = sw.Elapsed;
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Ask for the exit code before start, as the docker CLI does: the engine answers when the
        // capsule exits, before auto-removal can take the answer away (Podman's plain wait then says -1).
        using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var nextExit = WaitNextExitAsync(id, waitCts.Token);

        // Attach before start so no byte of output is lost, whatever the log driver.
        sw.Restart();
        using var stream = await Call(
            () => _client.Containers.AttachContainerAsync(id, new ContainerAttachParameters { Stream = true, Stdout = true, Stderr = true }, cancellationToken),
            Endpoint,
            cancellationToken).ConfigureAwait(false);
        await Call(() => _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
        timings.Start = sw.Elapsed;

        sw.Restart();
        var output = await LostMidRun(() => BoundedOutput.ReadAsync(stream, launch.MaxOutputBytes, launch.MaxOutputLines, cancellationToken), launch, cancellationToken).ConfigureAwait(false);
        timings.Run = sw.Elapsed;
        if (output.Truncated)
        {
            // Stop reading, stop the utility: memory stays bounded whatever it prints. Close the
            // attach stream first: an engine whose stream copy is blocked on a reader that stopped
            // reading does not finish the capsule's exit (its wait hung until the client's deadline).
            stream.Dispose();
            await StopGracefullyAsync(id).ConfigureAwait(false);
        }

        sw.Restart();
        var exitCode = await LostMidRun(() => ExitCodeAsync(id, createdAt, nextExit, cancellationToken), launch, cancellationToken).ConfigureAwait(false);
        exitedNow();
        timings.Collect = sw.Elapsed;
        return new CapsuleRunOutput(id, exitCode, output.StandardOutput, output.StandardError, joined) { TruncatedBy = output.TruncatedBy, ImageDigest = image.Digest };
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

        return list.Select(c => Describe(c.ID, c.Names?.FirstOrDefault(), c.State, c.Labels, c.Created, kind)).ToList();
    }

    /// <summary>
    /// The capsule with this id (full or short) or name; null when no such container exists.
    /// A container that is not a capsule is refused, so Remove-Capsule can never remove one.
    /// </summary>
    public async Task<CapsuleInfo?> FindCapsuleAsync(string idOrName, CancellationToken cancellationToken)
    {
        idOrName = ContainerReference.Check(idOrName, "capsule");
        var kind = await DetectKindAsync(cancellationToken).ConfigureAwait(false);
        ContainerInspectResponse inspect;
        try
        {
            inspect = await Call(() => _client.Containers.InspectContainerAsync(idOrName, cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (inspect.Config?.Labels is not { } labels || !labels.TryGetValue(CapsuleLabels.Marker, out var marker) || marker != "true")
        {
            throw new CapsuleException(
                CapsuleErrorKind.InvalidArgument,
                $"Container '{idOrName}' is not a capsule; Remove-Capsule removes only containers labelled {CapsuleLabels.Marker}=true.",
                idOrName,
                $"Use '{kind} rm' for other containers.");
        }

        return Describe(inspect.ID, inspect.Name, inspect.State?.Status, inspect.Config.Labels, inspect.Created, kind);
    }

    private CapsuleInfo Describe(string id, string? name, string? state, IDictionary<string, string>? labels, DateTime created, string kind)
    {
        labels ??= new Dictionary<string, string>();
        return new CapsuleInfo
        {
            Id = id,
            Name = name?.TrimStart('/') ?? id,
            Target = Label(labels, CapsuleLabels.Target) ?? string.Empty,
            Utility = Label(labels, CapsuleLabels.Utility) ?? string.Empty,
            State = state ?? string.Empty,
            Created = ParseTime(Label(labels, CapsuleLabels.Created)) ?? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)),
            Deadline = ParseTime(Label(labels, CapsuleLabels.Deadline)),
            Owner = Label(labels, CapsuleLabels.Owner),
            Argv = CapsuleLabels.ParseArgv(Label(labels, CapsuleLabels.Argv)),
            ImageDigest = Label(labels, CapsuleLabels.ImageDigest),
            Privileged = Label(labels, CapsuleLabels.Privileged) == "true",
            Engine = kind,
            Endpoint = Endpoint,
        };
    }

    public async Task<bool> RemoveCapsuleAsync(string id, CancellationToken cancellationToken)
    {
        var capsule = await FindCapsuleAsync(id, cancellationToken).ConfigureAwait(false);
        if (capsule is null)
        {
            return false;
        }

        if (capsule.State == "running")
        {
            await StopGracefullyAsync(capsule.Id).ConfigureAwait(false);
        }

        try
        {
            await _client.Containers.RemoveContainerAsync(capsule.Id, new ContainerRemoveParameters { Force = true }, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // Auto-removed after the stop above, or removal already in progress.
        }

        using var cts = new CancellationTokenSource(CleanupTimeout);
        await WaitUntilGoneAsync(capsule.Id, cts.Token).ConfigureAwait(false);
        return true;
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

    public void Dispose()
    {
        _client.Dispose();
        if (_raw.IsValueCreated)
        {
            _raw.Value.Client.Dispose();
        }
    }

    /// <summary>
    /// Creates the capsule without letting Ctrl+C or the deadline abandon the request half-way:
    /// a create the engine completes after the client gave up would leave a capsule nobody knows
    /// the id of. The call gets its own bounded token; cancellation is honoured right after it,
    /// when the id is known and the finally block can remove the capsule.
    /// </summary>
    private async Task<string> CreateUncancellableAsync(CreateContainerParameters create, CancellationToken cancellationToken)
    {
        using var own = new CancellationTokenSource(CleanupTimeout);
        var created = await Call(() => _client.Containers.CreateContainerAsync(create, own.Token), Endpoint, own.Token).ConfigureAwait(false);
        return created.ID;
    }

    private CapsuleException ImageMissing(CapsuleLaunch launch, Exception? inner) => new(
        CapsuleErrorKind.ImageNotFound,
        $"The capsule image '{launch.Image}' for utility '{launch.Utility}' is not on {Kind} at {Endpoint}.",
        launch.Image,
        "Build the capsule images with './build.ps1 Capsules', or name the registry that holds them with -Registry (or RUNESCAPE_REGISTRY) so they are pulled.",
        inner);

    /// <summary>
    /// Finds the capsule image on the engine (pulling it when a registry was named), checks a
    /// pinned digest against the image's id and repo digests, and says what to run: a pinned
    /// image runs by its immutable id, so a tag moved after the check cannot swap it.
    /// The digest recorded for the audit trail is the first repo digest, else the image id.
    /// </summary>
    private async Task<(string Run, string Digest)> ResolveImageAsync(CapsuleLaunch launch, CancellationToken cancellationToken)
    {
        var reference = ImageReference.TryParse(launch.Image);
        var pin = launch.ImageDigest;
        var lookup = reference is null ? launch.Image : reference.Tag is null && reference.Digest is not null ? launch.Image : reference.WithoutDigest;
        var inspect = await InspectImageAsync(lookup, cancellationToken).ConfigureAwait(false);
        if (inspect is null && pin is not null && lookup != pin)
        {
            // A local image has no repo digest until pushed: a pin may name its id.
            inspect = await InspectImageAsync(pin, cancellationToken).ConfigureAwait(false);
            if (inspect is not null && !SameRepository(inspect, reference))
            {
                inspect = null;
            }
        }

        if (inspect is null)
        {
            if (!launch.PullIfMissing)
            {
                throw ImageMissing(launch, null);
            }

            var pulled = await PullAsync(launch, reference, cancellationToken).ConfigureAwait(false);
            inspect = await InspectImageAsync(pulled, cancellationToken).ConfigureAwait(false) ?? throw ImageMissing(launch, null);
        }

        var repoDigests = inspect.RepoDigests ?? new List<string>();
        launch.Policy?.CheckResolved(launch.Image, (inspect.RepoTags ?? new List<string>()).Concat(repoDigests), $"{Kind} at {Endpoint}");
        var digest = repoDigests.FirstOrDefault() is { } first ? first[(first.IndexOf('@', StringComparison.Ordinal) + 1)..] : inspect.ID;
        if (pin is null)
        {
            launch.ImageResolved?.Invoke(digest);
            return (launch.Image, digest);
        }

        if (inspect.ID != pin && !repoDigests.Any(d => d.EndsWith("@" + pin, StringComparison.Ordinal)))
        {
            throw new CapsuleException(
                CapsuleErrorKind.PolicyRejected,
                $"The capsule image '{launch.Image}' on {Kind} at {Endpoint} is {inspect.ID}{(repoDigests.Count > 0 ? " (" + string.Join(", ", repoDigests) + ")" : string.Empty)}, not the pinned {pin}.",
                launch.Image,
                "Pull or build the pinned image, or update the pin (catalog 'digest', the image reference, or the policy's 'pins') after checking the new image.");
        }

        var pinned = repoDigests.Any(d => d.EndsWith("@" + pin, StringComparison.Ordinal)) ? pin : inspect.ID;
        launch.ImageResolved?.Invoke(pinned);
        return (inspect.ID, pinned);
    }

    private static bool SameRepository(ImageInspectResponse inspect, ImageReference? reference)
    {
        if (reference is null)
        {
            return false;
        }

        // The whole name, registry included: a pin must not let an image of another registry stand in.
        var names = (inspect.RepoTags ?? new List<string>()).Concat(inspect.RepoDigests ?? new List<string>());
        return names.Select(ImageReference.TryParse).Any(n => n is not null && n.FullName == reference.FullName);
    }

    private async Task<ImageInspectResponse?> InspectImageAsync(string image, CancellationToken cancellationToken)
    {
        try
        {
            return await Call(() => _client.Images.InspectImageAsync(image, cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Pulls the image (by digest when pinned) and returns the reference the engine now knows it by.</summary>
    private async Task<string> PullAsync(CapsuleLaunch launch, ImageReference? reference, CancellationToken cancellationToken)
    {
        var image = launch.Image;
        var plain = reference?.WithoutDigest ?? image;
        var colon = plain.LastIndexOf(':');
        var hasTag = colon > plain.LastIndexOf('/');
        var repository = hasTag ? plain[..colon] : plain;
        var tag = launch.ImageDigest ?? (hasTag ? plain[(colon + 1)..] : "latest");
        string? failure = null;
        var progress = new PullProgress(m =>
        {
            if (!string.IsNullOrEmpty(m.Error?.Message))
            {
                failure = m.Error.Message;
            }
        });
        try
        {
            await _client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = repository, Tag = tag }, null, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            failure = ex.ResponseBody?.Trim() is { Length: > 0 } body ? body : ex.Message;
        }

        if (failure is not null)
        {
            throw new CapsuleException(
                CapsuleErrorKind.ImageNotFound,
                $"The capsule image '{image}' for utility '{launch.Utility}' is not on {Kind} at {Endpoint}, and pulling it failed: {failure}",
                image,
                "Push the capsule images to that registry ('./build.ps1 Capsules' builds them), check -Registry / RUNESCAPE_REGISTRY and the engine's registry credentials.");
        }

        return launch.ImageDigest is { } d ? repository + "@" + d : repository + ":" + tag;
    }

    /// <summary>
    /// The capsule's exit code. It is auto-removed by the engine once it exits, so the wait call
    /// can find it gone; then the engine's event log, replayed from the capsule's creation, has
    /// its "die" event with the exit code (Docker and Podman both report it as exitCode).
    /// </summary>
    private async Task<long> ExitCodeAsync(string id, DateTimeOffset createdAt, Task<long?> nextExit, CancellationToken cancellationToken)
    {
        // The output has ended, so the capsule is exiting: the wait posted before start answers
        // at once (bounded, in case the engine dropped it).
        if (await Task.WhenAny(nextExit, Task.Delay(NextExitGrace, cancellationToken)).ConfigureAwait(false) == nextExit
            && await nextExit.ConfigureAwait(false) is { } early and >= 0)
        {
            return early;
        }

        try
        {
            var wait = await _client.Containers.WaitContainerAsync(id, cancellationToken).ConfigureAwait(false);
            if (wait.StatusCode >= 0)
            {
                return wait.StatusCode;
            }

            // Podman answers -1 when the container is gone before it could tell: ask the event log.
        }
        catch (DockerApiException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // Already removed (or being removed) by the engine.
        }

        // The engine may write the die event a moment after the container is gone (Podman's
        // cleanup process does): replay the log a few times, briefly, before giving up.
        for (var attempt = 1; attempt <= ExitCodeAttempts; attempt++)
        {
            if (await DieEventExitCodeAsync(id, createdAt, cancellationToken).ConfigureAwait(false) is { } found)
            {
                return found;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(300 * attempt), cancellationToken).ConfigureAwait(false);
        }

        throw new CapsuleException(
            CapsuleErrorKind.EngineRejected,
            $"The capsule {id[..Math.Min(12, id.Length)]} ended, but {Kind} at {Endpoint} reported no exit code for it.",
            id,
            "Run the capsule again; if this repeats, check the engine's event log.");
    }

    /// <summary>How long the exit-code wait posted before start may still take once the output has ended.</summary>
    internal static readonly TimeSpan NextExitGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// POST /containers/{id}/wait?condition=next-exit (Docker.DotNet has no wait condition): the
    /// capsule's exit code once it exits; null when the engine gives none or the call fails.
    /// </summary>
    private async Task<long?> WaitNextExitAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            var (client, baseAddress) = _raw.Value;
            using var response = await client.PostAsync(new Uri(baseAddress, $"containers/{Uri.EscapeDataString(id)}/wait?condition=next-exit"), null, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var doc = await System.Text.Json.JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), default, cancellationToken).ConfigureAwait(false);
            return doc.RootElement.TryGetProperty("StatusCode", out var code) && code.TryGetInt64(out var value) ? value : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or System.Text.Json.JsonException or SocketException)
        {
            return null;
        }
    }

    private async Task<long?> DieEventExitCodeAsync(string id, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        var parameters = new ContainerEventsParameters
        {
            Since = (createdAt.ToUnixTimeSeconds() - 1).ToString(CultureInfo.InvariantCulture),
            Until = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1).ToString(CultureInfo.InvariantCulture),
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["container"] = new Dictionary<string, bool> { [id] = true } },
        };
        long? exitCode = null;
        var collector = new EventCollector(m =>
        {
            // Podman's replay does not always honour the container filter: check the id too.
            if (m.Action == "die" && string.Equals(m.Actor?.ID, id, StringComparison.Ordinal) && m.Actor?.Attributes is { } attributes
                && attributes.TryGetValue("exitCode", out var code)
                && long.TryParse(code, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
            {
                exitCode = parsed;
            }
        });

        // With 'until' set, the engine replays the events and closes the stream.
        await Call(() => _client.System.MonitorEventsAsync(parameters, collector, cancellationToken), Endpoint, cancellationToken).ConfigureAwait(false);
        return exitCode;
    }

    /// <summary>
    /// Ends a capsule that is still running without leaving zombies in the target: the capsule's
    /// processes live in the target's PID namespace, so a process whose parent dies first is
    /// re-parented to the target's PID 1, which may never reap it. SIGTERM to the capsule's
    /// init (the deadline wrapper, coreutils timeout) makes it pass the signal on and reap the
    /// utility; only then is the container force-removed.
    /// </summary>
    private async Task StopGracefullyAsync(string id)
    {
        using var cts = new CancellationTokenSource(GracefulStopTimeout);
        try
        {
            await _client.Containers.KillContainerAsync(id, new ContainerKillParameters { Signal = "TERM" }, cts.Token).ConfigureAwait(false);
            await _client.Containers.WaitContainerAsync(id, cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is DockerApiException or OperationCanceledException or HttpRequestException or IOException)
        {
            // Already gone, not running, or slow to stop: the forced removal that follows ends it.
        }
    }

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
            return; // Never created, or already gone.
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // The engine is auto-removing it right now; fall through and wait until it is gone.
        }

        await WaitUntilGoneAsync(idOrName, cts.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Removal can still be in progress when the remove call returns (the engine's own
    /// auto-removal, Podman's cleanup process): the capsule counts as removed only when
    /// inspecting it says 404. Bounded by the clean-up token.
    /// </summary>
    private async Task WaitUntilGoneAsync(string idOrName, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await _client.Containers.InspectContainerAsync(idOrName, cancellationToken).ConfigureAwait(false);
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (OperationCanceledException)
        {
            // Still there after the clean-up timeout: Get-Capsule shows it, Remove-Capsule removes it.
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
            var socket = endpoint.StartsWith("unix://", StringComparison.Ordinal) ? new Uri(endpoint).LocalPath : null;
            if (socket is not null && !File.Exists(socket))
            {
                throw new CapsuleException(
                    CapsuleErrorKind.EngineUnreachable,
                    $"The container engine at {endpoint} cannot be reached: there is no socket at {socket}.",
                    endpoint,
                    $"Check the path in -EngineUri or DOCKER_HOST (engines found here: {string.Join(", ", EngineEndpoint.ExistingSockets().DefaultIfEmpty("none"))}); './build.ps1 Bootstrap' starts Docker and Podman.",
                    ex);
            }

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

    /// <summary>
    /// The engine stopped answering while the capsule ran (it was restarted or died): the output
    /// read so far is partial and the exit code unknown. EngineUnreachable, naming the capsule.
    /// </summary>
    private async Task<T> LostMidRun<T>(Func<Task<T>> call, CapsuleLaunch launch, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransportFailure(ex))
        {
            throw new CapsuleException(
                CapsuleErrorKind.EngineUnreachable,
                $"The connection to {Kind} at {Endpoint} was lost while the '{launch.Utility}' capsule {launch.Name} ran on '{launch.Target.Name}' ({ex.GetBaseException().Message}); its output is incomplete.",
                Endpoint,
                "Check that the engine is running (was it restarted?) and try again; 'Get-Capsule' shows whether the capsule is still there.",
                ex);
        }
    }

    private static async Task Call(Func<Task> call, string endpoint, CancellationToken cancellationToken) =>
        await Call(async () => { await call().ConfigureAwait(false); return true; }, endpoint, cancellationToken).ConfigureAwait(false);

    private static bool IsTransportFailure(Exception ex) =>
        ex is HttpRequestException or SocketException or IOException or TimeoutException
        || ex.InnerException is { } inner && IsTransportFailure(inner)
        || ex is TaskCanceledException { InnerException: TimeoutException };

    private sealed class PullProgress : IProgress<JSONMessage>
    {
        private readonly Action<JSONMessage> _onMessage;

        internal PullProgress(Action<JSONMessage> onMessage) => _onMessage = onMessage;

        public void Report(JSONMessage value) => _onMessage(value);
    }

    /// <summary>Receives engine events synchronously, in order (Progress&lt;T&gt; would post them later, on another thread).</summary>
    private sealed class EventCollector : IProgress<Message>
    {
        private readonly Action<Message> _onEvent;

        internal EventCollector(Action<Message> onEvent) => _onEvent = onEvent;

        public void Report(Message value) => _onEvent(value);
    }
}
