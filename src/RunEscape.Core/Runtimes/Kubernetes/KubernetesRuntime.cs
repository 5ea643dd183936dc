using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using RunEscape.Lifecycle;
using RunEscape.Targets;

namespace RunEscape.Runtimes.Kubernetes;

/// <summary>
/// Capsules on Kubernetes pods as ephemeral containers: PATCH pods/&lt;name&gt;/ephemeralcontainers,
/// follow its log while one watch waits until it terminates (at an output cap it is killed
/// through pods/exec), take the exit code from its terminated state. Ephemeral containers cannot be removed from a pod; a capsule that is still
/// running when the call ends is killed through pods/exec and stays in the pod's spec, terminated.
/// </summary>
public sealed class KubernetesRuntime : ICapsuleRuntime
{
    /// <summary>The annotation kubectl reads to pick a pod's default container.</summary>
    public const string DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container";

    /// <summary>Environment variables of a capsule that record what it is (ephemeral containers carry no labels of their own).</summary>
    public const string MarkerVariable = "RUNESCAPE_CAPSULE";
    public const string UtilityVariable = "RUNESCAPE_UTILITY";
    public const string OwnerVariable = "RUNESCAPE_OWNER";
    public const string CreatedVariable = "RUNESCAPE_CREATED";
    public const string DeadlineVariable = "RUNESCAPE_DEADLINE";
    public const string VersionVariable = "RUNESCAPE_VERSION";
    public const string TargetVariable = "RUNESCAPE_TARGET";
    public const string ArgvVariable = "RUNESCAPE_ARGV";
    public const string PrivilegedVariable = "RUNESCAPE_PRIVILEGED";

    /// <summary>Waiting reasons that will not resolve on their own: fail at once with the reason.</summary>
    private static readonly HashSet<string> ImageFailures = new(StringComparer.Ordinal) { "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable" };
    private static readonly HashSet<string> ConfigFailures = new(StringComparer.Ordinal) { "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "PreCreateHookError", "PreStartHookError" };

    private static readonly string[] JoinedNamespaces = { "pid", "net", "ipc" };

    private readonly k8s.Kubernetes _client;
    private readonly KubernetesOptions _options;
    private readonly ConcurrentDictionary<string, V1Pod> _resolved = new(StringComparer.Ordinal);

    public KubernetesRuntime(KubernetesOptions options, params DelegatingHandler[] handlers)
    {
        _options = options;
        var config = options.BuildConfiguration();
        Endpoint = config.Host?.TrimEnd('/') ?? "kubernetes";
        DefaultNamespace = !string.IsNullOrEmpty(options.Namespace) ? options.Namespace : !string.IsNullOrEmpty(config.Namespace) ? config.Namespace : "default";
        _client = new k8s.Kubernetes(config, handlers);
    }

    public string Kind => "kubernetes";

    public string Endpoint { get; }

    /// <summary>The namespace of pods named without one.</summary>
    public string DefaultNamespace { get; }

    /// <summary>Splits "namespace/pod" (or "pod", in the default namespace).</summary>
    public (string Namespace, string Pod) Split(string target)
    {
        var i = target.IndexOf('/', StringComparison.Ordinal);
        return i > 0 ? (target[..i], target[(i + 1)..]) : (DefaultNamespace, target);
    }

    /// <summary>
    /// Turns pod names, wildcards and a label selector into "namespace/pod" targets.
    /// A plain name is passed through (a missing pod is reported when it is resolved);
    /// a wildcard or a selector lists the namespace's pods once.
    /// </summary>
    public async Task<IReadOnlyList<string>> ExpandPodsAsync(IReadOnlyList<string> pods, string? labelSelector, string? @namespace, CancellationToken cancellationToken)
    {
        var ns = string.IsNullOrEmpty(@namespace) ? DefaultNamespace : @namespace;
        var result = new List<string>();
        var patterns = pods.Where(p => p.Contains('*', StringComparison.Ordinal) || p.Contains('?', StringComparison.Ordinal)).ToList();
        foreach (var p in pods.Except(patterns))
        {
            result.Add(p.Contains('/', StringComparison.Ordinal) ? p : ns + "/" + p);
        }

        if (patterns.Count > 0 || (!string.IsNullOrEmpty(labelSelector) && pods.Count == 0))
        {
            // A pattern may name its namespace (shop/web-*); each namespace is listed once.
            var qualified = patterns.Select(p => Split(p.Contains('/', StringComparison.Ordinal) ? p : ns + "/" + p)).ToList();
            var byNamespace = patterns.Count == 0
                ? new[] { (Namespace: ns, Patterns: new List<string>()) }
                : qualified.GroupBy(q => q.Namespace, StringComparer.Ordinal).Select(g => (Namespace: g.Key, Patterns: g.Select(q => q.Pod).ToList())).ToArray();
            foreach (var (listNs, names) in byNamespace)
            {
                var list = await Call(() => _client.CoreV1.ListNamespacedPodAsync(listNs, labelSelector: string.IsNullOrEmpty(labelSelector) ? null : labelSelector, cancellationToken: cancellationToken), "list", "pods", listNs, cancellationToken).ConfigureAwait(false);
                var regexes = names.Select(Glob).ToList();
                foreach (var pod in list.Items.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
                {
                    if (regexes.Count == 0 || regexes.Any(r => r.IsMatch(pod.Metadata.Name)))
                    {
                        result.Add(listNs + "/" + pod.Metadata.Name);
                    }
                }
            }

            if (result.Count == 0)
            {
                var what = patterns.Count > 0 ? $"'{string.Join("', '", patterns)}'" : $"selector '{labelSelector}'";
                var where = byNamespace.Length == 1 ? $"namespace '{byNamespace[0].Namespace}'" : $"namespaces '{string.Join("', '", byNamespace.Select(b => b.Namespace))}'";
                throw new CapsuleException(CapsuleErrorKind.TargetNotFound, $"No pod in {where} matches {what}.", patterns.Count > 0 ? patterns[0] : labelSelector, "List the pods with 'kubectl get pods' and check -Namespace.");
            }
        }

        return result.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The namespaces of the cluster (GET /api/v1/namespaces). Cluster-scoped: a namespaced Role
    /// cannot grant it, so expect PermissionDenied under the documented Role.
    /// </summary>
    public async Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken cancellationToken)
    {
        var list = await Call(() => _client.CoreV1.ListNamespaceAsync(cancellationToken: cancellationToken), "list", "namespaces", string.Empty, cancellationToken).ConfigureAwait(false);
        return list.Items.Select(n => n.Metadata?.Name).OfType<string>().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The pods of a namespace (default: <see cref="DefaultNamespace"/>) that are Running and not being deleted, by name.</summary>
    public async Task<IReadOnlyList<PodSummary>> ListRunningPodsAsync(string? @namespace, CancellationToken cancellationToken)
    {
        var ns = string.IsNullOrEmpty(@namespace) ? DefaultNamespace : @namespace;
        var list = await Call(() => _client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: cancellationToken), "list", "pods", ns, cancellationToken).ConfigureAwait(false);
        return list.Items
            .Where(p => p.Metadata?.Name is not null && p.Metadata.DeletionTimestamp is null && string.Equals(p.Status?.Phase, "Running", StringComparison.Ordinal))
            .Select(p => new PodSummary(ns, p.Metadata.Name, (p.Spec?.Containers ?? new List<V1Container>()).Select(c => c.Name).ToList()))
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToList();
    }

    public async Task<CapsuleTargetInfo> ResolveTargetAsync(string nameOrId, CancellationToken cancellationToken)
    {
        var (ns, name) = Split(nameOrId);
        V1Pod pod;
        try
        {
            pod = await Call(() => _client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken), "get", "pods", ns, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new CapsuleException(
                CapsuleErrorKind.TargetNotFound,
                $"No pod named '{name}' exists in namespace '{ns}' at {Endpoint}.",
                nameOrId,
                "Check the name with 'kubectl get pods', or pass -Namespace or -Context.",
                ex);
        }

        var phase = pod.Status?.Phase ?? "Unknown";
        if (!string.Equals(phase, "Running", StringComparison.Ordinal))
        {
            throw new CapsuleException(
                CapsuleErrorKind.TargetNotRunning,
                $"Pod '{ns}/{name}' is {phase}, not Running: a capsule can only join a running container's namespaces.",
                nameOrId,
                "Wait until the pod is Running ('kubectl get pod " + name + " -n " + ns + "') and try again.");
        }

        var containers = pod.Spec?.Containers ?? new List<V1Container>();
        string? container = _options.TargetContainer;
        if (string.IsNullOrEmpty(container))
        {
            container = pod.Metadata.Annotations is { } a && a.TryGetValue(DefaultContainerAnnotation, out var annotated) && !string.IsNullOrEmpty(annotated)
                ? annotated
                : containers.FirstOrDefault()?.Name;
        }

        if (container is null || containers.All(c => c.Name != container))
        {
            throw new CapsuleException(
                CapsuleErrorKind.TargetNotFound,
                $"Pod '{ns}/{name}' has no container named '{container}'; its containers are: {string.Join(", ", containers.Select(c => c.Name))}.",
                $"{ns}/{name}/{container}",
                "Pass one of the pod's containers to -TargetContainer.");
        }

        var status = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == container);
        if (status?.State?.Running is null)
        {
            var state = status?.State?.Waiting?.Reason ?? (status?.State?.Terminated is not null ? "terminated" : "not running");
            throw new CapsuleException(
                CapsuleErrorKind.TargetNotRunning,
                $"Container '{container}' of pod '{ns}/{name}' is {state}, not running: a capsule can only join a running container's namespaces.",
                $"{ns}/{name}/{container}",
                "Wait until the container runs, or pick another with -TargetContainer.");
        }

        var uid = pod.Metadata.Uid ?? $"{ns}/{name}";
        _resolved[uid] = pod;
        return new CapsuleTargetInfo(uid, name, containers.First(c => c.Name == container).Image ?? string.Empty, phase, true, "pod", Kind, Endpoint)
        {
            Namespace = ns,
            Container = container,
        };
    }

    public async Task<CapsuleRunOutput> RunCapsuleAsync(CapsuleLaunch launch, CapsuleTimings timings, CancellationToken cancellationToken)
    {
        var target = launch.Target;
        var ns = target.Namespace ?? DefaultNamespace;
        var pod = target.Name;
        var container = target.Container ?? throw new InvalidOperationException("A Kubernetes target has a container.");
        _resolved.TryGetValue(target.Id, out var resolvedPod);
        var name = EphemeralName(launch);
        var capsule = BuildCapsule(launch, name, container, resolvedPod);
        var body = "{\"spec\":{\"ephemeralContainers\":[" + KubernetesJson.Serialize(capsule) + "]}}";

        var injected = false;
        var terminated = false;
        var killTried = false;
        try
        {
            var sw = Stopwatch.StartNew();
            V1Pod patched;
            try
            {
                patched = await Call(
                    () => _client.CoreV1.PatchNamespacedPodEphemeralcontainersAsync(new V1Patch(body, V1Patch.PatchType.StrategicMergePatch), pod, ns, cancellationToken: cancellationToken),
                    "patch",
                    "pods/ephemeralcontainers",
                    ns,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
            {
                var message = StatusMessage(ex);
                if (message.Contains($"\"{pod}\" not found", StringComparison.Ordinal))
                {
                    throw new CapsuleException(CapsuleErrorKind.TargetNotFound, $"Pod '{ns}/{pod}' disappeared before the capsule could be attached: {message}", pod, "Check the pod with 'kubectl get pods'.", ex);
                }

                throw new CapsuleException(
                    CapsuleErrorKind.NotSupported,
                    $"The API server at {Endpoint} has no pods/ephemeralcontainers subresource (404: {message}): ephemeral containers are disabled or the cluster is older than Kubernetes 1.23.",
                    Endpoint,
                    "Use a cluster where ephemeral containers are enabled (Kubernetes 1.25+ enables them always).",
                    ex);
            }
            catch (HttpOperationException ex) when ((int)ex.Response.StatusCode == 422)
            {
                throw new CapsuleException(CapsuleErrorKind.EngineRejected, $"The API server refused the capsule for pod '{ns}/{pod}': {StatusMessage(ex)}", pod, "Read the API server's message above.", ex);
            }
            finally
            {
                timings.Inject = sw.Elapsed;
            }

            injected = true;
            sw.Restart();
            using var watchCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var termination = WaitForTerminationAsync(ns, pod, name, patched.Metadata.ResourceVersion, timings, sw, started, watchCts.Token);
            try
            {
                // The log is followed while the capsule runs, so the cap stops the capsule itself
                // (killed through pods/exec), not only the read: a pod's capsule printing without end
                // would otherwise fill the node's log until its deadline.
                await Task.WhenAny(started.Task, termination).ConfigureAwait(false);
                if (termination.IsCompleted)
                {
                    await termination.ConfigureAwait(false);
                }

                var log = new BoundedText(launch.MaxOutputBytes, launch.MaxOutputLines);
                var logEnded = await FollowLogAsync(ns, pod, name, log, cancellationToken).ConfigureAwait(false);
                var exitCode = -1;
                string? imageId = null;
                string? notStopped = null;
                if (log.Truncated && !termination.IsCompleted)
                {
                    killTried = true;
                    notStopped = await TryKillAsync(ns, pod, name, capsule).ConfigureAwait(false);

                    // The exit code of a capsule stopped at the cap says nothing of the utility: wait
                    // for it a little, not until the deadline (a little less when the kill failed:
                    // the capsule may have ended by itself meanwhile).
                    var grace = TimeSpan.FromSeconds(notStopped is null ? 20 : 3);
                    if (await Task.WhenAny(termination, Task.Delay(grace, cancellationToken)).ConfigureAwait(false) == termination)
                    {
                        (exitCode, imageId) = await termination.ConfigureAwait(false);
                        terminated = true;
                        notStopped = null;
                    }
                    else
                    {
                        notStopped ??= "it was killed but had not ended 20 s later";
                    }
                }
                else
                {
                    (exitCode, imageId) = await termination.ConfigureAwait(false);
                    terminated = true;
                }

                // Collect: how long the log was read after the capsule had ended (the rest of the
                // read overlapped its run).
                timings.Collect = terminated && timings.TerminatedAt is { } end && logEnded > end ? TimeSpan.FromTicks((logEnded - end) * TimeSpan.TicksPerSecond / Stopwatch.Frequency) : TimeSpan.Zero;
                var output = new CapsuleRunOutput($"{ns}/{pod}/{name}", exitCode, log.Decode(), string.Empty, JoinedNamespaces)
                {
                    CapsuleName = name,
                    ImageDigest = ImageDigestOf(imageId),
                    TruncatedBy = log.TruncatedBy,
                };
                return notStopped is null ? output : output.WithCleanupFailure(string.Create(
                    CultureInfo.InvariantCulture,
                    $"The '{name}' capsule in pod '{ns}/{pod}' could not be stopped at the output cap ({notStopped}); it runs until its own deadline, {launch.Deadline.AddSeconds(Lifecycle.CapsuleInvoker.DeadlineGraceSeconds):u}, though its output is no longer read."));
            }
            finally
            {
                if (!termination.IsCompleted)
                {
                    await watchCts.CancelAsync().ConfigureAwait(false);
                    try
                    {
                        await termination.ConfigureAwait(false);
                    }
                    catch (Exception)
                    {
                        // The watch was only cancelled here; the error that matters is already on its way.
                    }
                }
            }
        }
        finally
        {
            if (injected && !terminated && !killTried)
            {
                // Cancelled, timed out or failed while the capsule may still run: kill its process,
                // best effort (the capsule's own deadline, timeout -s KILL, ends it anyway).
                var sw = Stopwatch.StartNew();
                _ = await TryKillAsync(ns, pod, name, capsule).ConfigureAwait(false);
                timings.Remove = sw.Elapsed;
            }
        }
    }

    public async Task<IReadOnlyList<CapsuleInfo>> ListCapsulesAsync(CancellationToken cancellationToken)
    {
        var ns = DefaultNamespace;
        var list = await Call(() => _client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: cancellationToken), "list", "pods", ns, cancellationToken).ConfigureAwait(false);
        var result = new List<CapsuleInfo>();
        foreach (var pod in list.Items)
        {
            foreach (var ec in pod.Spec?.EphemeralContainers ?? new List<V1EphemeralContainer>())
            {
                var env = (ec.Env ?? new List<V1EnvVar>()).Where(e => e.Name is not null).GroupBy(e => e.Name).ToDictionary(g => g.Key, g => g.First().Value ?? string.Empty, StringComparer.Ordinal);
                if (!env.ContainsKey(MarkerVariable))
                {
                    continue;
                }

                var status = pod.Status?.EphemeralContainerStatuses?.FirstOrDefault(s => s.Name == ec.Name);
                result.Add(new CapsuleInfo
                {
                    Id = $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}/{ec.Name}",
                    Name = ec.Name,
                    Target = pod.Metadata.Name,
                    Utility = env.GetValueOrDefault(UtilityVariable, string.Empty),
                    State = StateOf(status),
                    Created = ParseTime(env.GetValueOrDefault(CreatedVariable)),
                    Deadline = ParseTime(env.GetValueOrDefault(DeadlineVariable)),
                    Owner = env.GetValueOrDefault(OwnerVariable),
                    Argv = CapsuleLabels.ParseArgv(env.GetValueOrDefault(ArgvVariable)),
                    ImageDigest = ImageDigestOf(status?.ImageID is { Length: > 0 } imageId ? imageId : null),
                    Privileged = env.GetValueOrDefault(PrivilegedVariable) == "true",
                    Engine = Kind,
                    Endpoint = Endpoint,
                });
            }
        }

        return result;
    }

    /// <summary>
    /// Retires a capsule: kills its process if it still runs. Ephemeral containers cannot be
    /// deleted from a pod; the terminated capsule stays in the pod's spec until the pod goes.
    /// The id is namespace/pod/capsule (as Get-Capsule lists it), or pod/capsule in the default namespace.
    /// </summary>
    public async Task<bool> RemoveCapsuleAsync(string id, CancellationToken cancellationToken)
    {
        var parts = id.Split('/');
        var (ns, pod, name) = parts.Length switch
        {
            3 => (parts[0], parts[1], parts[2]),
            2 => (DefaultNamespace, parts[0], parts[1]),
            _ => throw new CapsuleException(CapsuleErrorKind.InvalidArgument, $"'{id}' is not a pod capsule id; pass namespace/pod/capsule as Get-Capsule lists it.", id, "Take the Id from Get-Capsule."),
        };
        V1Pod current;
        try
        {
            current = await Call(() => _client.CoreV1.ReadNamespacedPodAsync(pod, ns, cancellationToken: cancellationToken), "get", "pods", ns, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        var ec = current.Spec?.EphemeralContainers?.FirstOrDefault(c => c.Name == name);
        if (ec is null)
        {
            return false;
        }

        if (ec.Env?.Any(e => e.Name == MarkerVariable) != true)
        {
            throw new CapsuleException(CapsuleErrorKind.InvalidArgument, $"Ephemeral container '{name}' of pod '{ns}/{pod}' is not a capsule; Remove-Capsule retires only RunEscape's capsules.", id, "Leave other ephemeral containers to whoever started them.");
        }

        var status = current.Status?.EphemeralContainerStatuses?.FirstOrDefault(s => s.Name == name);
        if (status?.State?.Running is not null)
        {
            var code = await KillAsync(ns, pod, name, ec, cancellationToken).ConfigureAwait(false);
            if (code != 1 && KillFailure(code) is { } failure)
            {
                throw new CapsuleException(
                    CapsuleErrorKind.EngineRejected,
                    $"The '{name}' capsule in pod '{ns}/{pod}' could not be stopped: {failure}.",
                    id,
                    "It ends at its own deadline (RUNESCAPE_DEADLINE in Get-Capsule's output); capsule images that carry pkill can be stopped early.");
            }
        }

        return true;
    }

    public void Dispose() => _client.Dispose();

    /// <summary>capsule-&lt;utility&gt;-&lt;suffix&gt;, a DNS label (the suffix is the launch name's last segment).</summary>
    internal static string EphemeralName(CapsuleLaunch launch)
    {
        var suffix = launch.Name[(launch.Name.LastIndexOf('-') + 1)..];
        var raw = $"capsule-{launch.Utility}-{suffix}".ToLowerInvariant();
        var safe = new string(raw.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-').ToArray());
        return safe.Length > 63 ? safe[..54] + "-" + suffix : safe;
    }

    /// <summary>The digest in a container status's imageID (docker-pullable://repo@sha256:…, or sha256:…).</summary>
    internal static string? ImageDigestOf(string? imageId)
    {
        if (imageId is null)
        {
            return null;
        }

        var at = imageId.LastIndexOf('@');
        var digest = at >= 0 ? imageId[(at + 1)..] : imageId;
        return digest.StartsWith("sha256:", StringComparison.Ordinal) ? digest : imageId;
    }

    /// <summary>The image the ephemeral container names: a pinned one carries its digest, which the kubelet enforces.</summary>
    internal static string ImageFor(CapsuleLaunch launch)
    {
        if (launch.ImageDigest is not { } pin || Security.ImageReference.TryParse(launch.Image) is not { } reference)
        {
            return launch.Image;
        }

        return reference.Digest is not null ? launch.Image : reference.WithoutDigest + "@" + pin;
    }

    /// <summary>The ephemeral container: argv without a shell, the target's user, no privileges beyond the catalog's capabilities.</summary>
    internal static V1EphemeralContainer BuildCapsule(CapsuleLaunch launch, string name, string container, V1Pod? pod)
    {
        var targetSecurity = pod?.Spec?.Containers?.FirstOrDefault(c => c.Name == container)?.SecurityContext;
        var env = launch.Environment.Select(kv => new V1EnvVar { Name = kv.Key, Value = kv.Value }).ToList();
        env.Add(new V1EnvVar { Name = MarkerVariable, Value = "true" });
        env.Add(new V1EnvVar { Name = UtilityVariable, Value = launch.Utility });
        env.Add(new V1EnvVar { Name = TargetVariable, Value = container });
        AddLabel(env, OwnerVariable, launch.Labels, CapsuleLabels.Owner);
        AddLabel(env, CreatedVariable, launch.Labels, CapsuleLabels.Created);
        AddLabel(env, DeadlineVariable, launch.Labels, CapsuleLabels.Deadline);
        AddLabel(env, VersionVariable, launch.Labels, CapsuleLabels.Version);
        AddLabel(env, ArgvVariable, launch.Labels, CapsuleLabels.Argv);
        if (launch.Privileged)
        {
            env.Add(new V1EnvVar { Name = PrivilegedVariable, Value = "true" });
        }

        return new V1EphemeralContainer
        {
            Name = name,
            Image = ImageFor(launch),
            Command = new List<string> { launch.Command[0] },
            Args = launch.Command.Skip(1).ToList(),
            Env = env,
            TargetContainerName = container,
            Stdin = false,
            StdinOnce = false,
            Tty = false,
            TerminationMessagePolicy = "File",
            ImagePullPolicy = "IfNotPresent",
            SecurityContext = new V1SecurityContext
            {
                RunAsUser = targetSecurity?.RunAsUser,
                RunAsGroup = targetSecurity?.RunAsGroup,
                RunAsNonRoot = targetSecurity?.RunAsNonRoot,
                // The API server refuses privileged with allowPrivilegeEscalation false.
                AllowPrivilegeEscalation = launch.Privileged,
                Privileged = launch.Privileged,
                ReadOnlyRootFilesystem = true,
                Capabilities = launch.Privileged ? null : new V1Capabilities { Drop = new List<string> { "ALL" }, Add = launch.Capabilities.Count > 0 ? launch.Capabilities.ToList() : null },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
        };
    }

    private static void AddLabel(List<V1EnvVar> env, string variable, IReadOnlyDictionary<string, string> labels, string label)
    {
        if (labels.TryGetValue(label, out var value))
        {
            env.Add(new V1EnvVar { Name = variable, Value = value });
        }
    }

    /// <summary>
    /// Follows the capsule's log until it ends (the capsule ended) or a cap is reached. limitBytes
    /// asks the API server to stop near the byte cap (roughly, as documented); the client's own
    /// cap is exact. Returns the Stopwatch timestamp at which the read ended.
    /// </summary>
    private async Task<long> FollowLogAsync(string ns, string pod, string name, BoundedText log, CancellationToken cancellationToken)
    {
        var limitBytes = (int)Math.Min(log.MaxBytes + 1, int.MaxValue);
        using (var stream = await Call(() => _client.CoreV1.ReadNamespacedPodLogAsync(pod, ns, container: name, follow: true, limitBytes: limitBytes, cancellationToken: cancellationToken), "get", "pods/log", ns, cancellationToken).ConfigureAwait(false))
        {
            var buffer = new byte[81920];
            int read;
            try
            {
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0 && log.Append(buffer.AsSpan(0, read)))
                {
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransportFailure(ex))
            {
                throw Unreachable(ex);
            }
        }

        return Stopwatch.GetTimestamp();
    }

    /// <summary>One watch on the pod, resumed from the last resource version only if the server ends it; no polling.</summary>
    private async Task<(int ExitCode, string? ImageId)> WaitForTerminationAsync(string ns, string pod, string name, string? resourceVersion, CapsuleTimings timings, Stopwatch sw, TaskCompletionSource started, CancellationToken cancellationToken)
    {
        var rv = resourceVersion;
        while (true)
        {
            var watch = _client.CoreV1.WatchListNamespacedPodAsync(
                ns,
                fieldSelector: "metadata.name=" + pod,
                resourceVersion: rv,
                allowWatchBookmarks: true,
                cancellationToken: cancellationToken);
            try
            {
                await foreach (var (type, obj) in watch.ConfigureAwait(false))
                {
                    if (type == WatchEventType.Error)
                    {
                        // e.g. 410 Gone: the resource version is too old; start again from now.
                        rv = null;
                        break;
                    }

                    if (type == WatchEventType.Deleted)
                    {
                        throw new CapsuleException(CapsuleErrorKind.TargetNotFound, $"Pod '{ns}/{pod}' was deleted while the '{name}' capsule ran.", pod, "Run the capsule again against a running pod.");
                    }

                    rv = obj.Metadata?.ResourceVersion ?? rv;
                    if (type == WatchEventType.Bookmark)
                    {
                        continue;
                    }

                    var status = obj.Status?.EphemeralContainerStatuses?.FirstOrDefault(s => s.Name == name);
                    if (status?.State is not { } state)
                    {
                        continue;
                    }

                    if (state.Waiting is { Reason: { } reason } waiting)
                    {
                        FailFast(ns, pod, name, obj, reason, waiting.Message);
                    }

                    if (!started.Task.IsCompleted && (state.Running is not null || state.Terminated is not null))
                    {
                        timings.Start = sw.Elapsed;
                        sw.Restart();
                        started.TrySetResult();
                    }

                    if (state.Terminated is { } done)
                    {
                        timings.Run = sw.Elapsed;
                        timings.TerminatedAt = Stopwatch.GetTimestamp();
                        return (done.ExitCode, string.IsNullOrEmpty(status.ImageID) ? null : status.ImageID);
                    }
                }
            }
            catch (HttpOperationException ex)
            {
                throw Map(ex, "watch", "pods", ns);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransportFailure(ex))
            {
                throw Unreachable(ex);
            }

            // The server ended the watch (its timeout) or asked for a resync: resume it.
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static void FailFast(string ns, string pod, string name, V1Pod obj, string reason, string? message)
    {
        var image = obj.Spec?.EphemeralContainers?.FirstOrDefault(c => c.Name == name)?.Image ?? string.Empty;
        var detail = string.IsNullOrWhiteSpace(message) ? reason : $"{reason}: {message}";
        if (ImageFailures.Contains(reason))
        {
            throw new CapsuleException(
                CapsuleErrorKind.ImageNotFound,
                $"The cluster cannot pull the capsule image '{image}' for pod '{ns}/{pod}' ({detail}).",
                image,
                "Push the capsule images to a registry the cluster can pull from ('./build.ps1 Capsules -Push -Registry <registry>') and pass -Registry or set RUNESCAPE_REGISTRY.");
        }

        if (ConfigFailures.Contains(reason))
        {
            var policy = message?.Contains("runAsNonRoot", StringComparison.OrdinalIgnoreCase) == true || message?.Contains("non-root", StringComparison.OrdinalIgnoreCase) == true;
            throw new CapsuleException(
                policy ? CapsuleErrorKind.PolicyRejected : CapsuleErrorKind.EngineRejected,
                $"The kubelet cannot start the '{name}' capsule in pod '{ns}/{pod}' ({detail}).",
                $"{ns}/{pod}/{name}",
                policy ? "The target runs as non-root but its user is not numeric in the pod spec: set securityContext.runAsUser on the target container." : "Read the kubelet's reason above ('kubectl describe pod').");
        }
    }

    /// <summary>
    /// Kills the capsule's process through pods/exec: pkill the exact argv (the deadline wrapper
    /// and the utility). Returns pkill's exit code: 0 killed; 137 when the exec died with the
    /// container it ended (the kill worked); 1 no such process; other codes, pkill failed.
    /// </summary>
    private async Task<int> KillAsync(string ns, string pod, string name, V1EphemeralContainer capsule, CancellationToken cancellationToken)
    {
        var argv = (capsule.Command ?? new List<string>()).Concat(capsule.Args ?? new List<string>()).ToList();
        var wrapped = argv.Count > 4 && argv[0] == "timeout" ? argv.Skip(4).ToList() : argv;
        var pattern = "(" + PkillPattern(argv.Take(argv.Count - wrapped.Count)) + " )?" + PkillPattern(wrapped);
        var command = new[] { "pkill", "-KILL", "-x", "-f", pattern };
        try
        {
            return await _client.NamespacedPodExecAsync(pod, ns, name, command, false, static (_, _, _) => Task.CompletedTask, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw Map(ex, "create", "pods/exec", ns);
        }
        catch (KubernetesException ex)
        {
            throw new CapsuleException(CapsuleErrorKind.EngineRejected, $"Killing the '{name}' capsule in pod '{ns}/{pod}' failed: {ex.Status?.Message ?? ex.Message}", $"{ns}/{pod}/{name}", "Its own deadline ends it; check it with Get-Capsule.", ex);
        }
    }

    /// <summary>
    /// <see cref="KillAsync"/> within 20 s of its own (the caller's token may be cancelled already),
    /// never throwing: returns why the capsule could not be killed, or null when it was.
    /// </summary>
    private async Task<string?> TryKillAsync(string ns, string pod, string name, V1EphemeralContainer capsule)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            return KillFailure(await KillAsync(ns, pod, name, capsule, cts.Token).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is CapsuleException or HttpOperationException or HttpRequestException or IOException or OperationCanceledException or System.Net.WebSockets.WebSocketException)
        {
            return ex is OperationCanceledException ? "pods/exec did not answer within 20 s" : ex.Message;
        }
    }

    /// <summary>Why a kill failed, from pkill's exit code; null when it worked.</summary>
    private static string? KillFailure(int code) => code switch
    {
        0 or 137 => null,
        1 => "pkill found no process with its command line",
        126 or 127 => "the capsule image has no pkill",
        _ => string.Create(CultureInfo.InvariantCulture, $"pkill exited with code {code}"),
    };

    /// <summary>
    /// A POSIX extended regular expression matching the argv joined by spaces, as pkill -f reads
    /// /proc/PID/cmdline (NULs become spaces; trailing ones, from empty arguments, are dropped).
    /// ERE metacharacters are escaped. A control character is matched by '.', as ERE has no escape
    /// for it; a non-ASCII character by '.{1,n}' for its n UTF-8 bytes, since pkill in the capsule's
    /// C locale matches byte by byte and in a UTF-8 locale character by character.
    /// </summary>
    internal static string PkillPattern(IEnumerable<string> argv)
    {
        var text = string.Join(' ', argv).TrimEnd(' ');
        var pattern = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\\' or '.' or '[' or ']' or '(' or ')' or '*' or '+' or '?' or '{' or '}' or '|' or '^' or '$')
            {
                pattern.Append('\\').Append(c);
            }
            else if (char.IsControl(c) && c < 0x80)
            {
                pattern.Append('.');
            }
            else if (c < 0x80)
            {
                pattern.Append(c);
            }
            else
            {
                var pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
                var bytes = pair ? 4 : c < 0x800 ? 2 : 3;
                pattern.Append(".{1,").Append(bytes).Append('}');
                if (pair)
                {
                    i++;
                }
            }
        }

        // Empty arguments at the end leave NULs that pkill does not count: allow the spaces or not.
        return pattern.Append(" *").ToString();
    }

    private static string StateOf(V1ContainerStatus? status) => status?.State switch
    {
        { Running: not null } => "Running",
        { Terminated: { } t } => string.Create(CultureInfo.InvariantCulture, $"Terminated ({t.ExitCode})"),
        { Waiting: { } w } => "Waiting (" + w.Reason + ")",
        _ => "Pending",
    };

    private static Regex Glob(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant);

    private static DateTimeOffset? ParseTime(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    private static string StatusMessage(HttpOperationException ex)
    {
        var content = ex.Response?.Content;
        if (string.IsNullOrWhiteSpace(content))
        {
            return ex.Message;
        }

        try
        {
            var status = KubernetesJson.Deserialize<V1Status>(content);
            return status?.Message ?? content.Trim();
        }
        catch (System.Text.Json.JsonException)
        {
            return content.Trim();
        }
    }

    /// <summary>Maps API errors: 403 names the verb and resource RunEscape lacks, or surfaces Pod Security's message.</summary>
    private CapsuleException Map(HttpOperationException ex, string verb, string resource, string ns)
    {
        var message = StatusMessage(ex);
        return (int)ex.Response.StatusCode switch
        {
            403 when message.Contains("violates PodSecurity", StringComparison.Ordinal) => new CapsuleException(
                CapsuleErrorKind.PolicyRejected,
                $"Pod Security admission refused the capsule in namespace '{ns}': {message}",
                ns,
                "Use a capsule the namespace's Pod Security level allows (see docs/kubernetes.md), or run the target as non-root so the capsule can run as its user.",
                ex),
            403 when ns.Length == 0 => new CapsuleException(
                CapsuleErrorKind.PermissionDenied,
                $"RunEscape may not '{verb}' '{resource}' at the cluster scope: {message}",
                $"{verb} {resource}",
                $"Grant the verb '{verb}' on '{resource}' with a ClusterRole and ClusterRoleBinding (a namespaced Role cannot).",
                ex),
            403 => new CapsuleException(
                CapsuleErrorKind.PermissionDenied,
                $"RunEscape may not '{verb}' '{resource}' in namespace '{ns}': {message}",
                $"{verb} {resource}",
                $"Grant the verb '{verb}' on '{resource}' in namespace '{ns}' (the minimal Role is in docs/kubernetes.md).",
                ex),
            401 => new CapsuleException(CapsuleErrorKind.PermissionDenied, $"The API server at {Endpoint} did not accept the credentials: {message}", Endpoint, "Refresh the kubeconfig's credentials ('kubectl auth whoami').", ex),
            _ => new CapsuleException(
                CapsuleErrorKind.EngineRejected,
                $"The API server at {Endpoint} refused '{verb}' on '{resource}' ({(int)ex.Response.StatusCode}): {message}",
                Endpoint,
                "Read the API server's message above.",
                ex),
        };
    }

    private CapsuleException Unreachable(Exception ex) => new(
        CapsuleErrorKind.EngineUnreachable,
        $"The Kubernetes API server at {Endpoint} cannot be reached: {ex.GetBaseException().Message}",
        Endpoint,
        "Check the cluster is up and the kubeconfig's server address ('kubectl cluster-info'), or pass -Context or -Kubeconfig.",
        ex);

    /// <summary>Maps transport failures to EngineUnreachable and 403s to PermissionDenied/PolicyRejected; 404 and 422 pass through for the caller.</summary>
    private async Task<T> Call<T>(Func<Task<T>> call, string verb, string resource, string ns, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode is not HttpStatusCode.NotFound and not (HttpStatusCode)422)
        {
            throw Map(ex, verb, resource, ns);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && IsTransportFailure(ex))
        {
            throw Unreachable(ex);
        }
    }

    private static bool IsTransportFailure(Exception ex) =>
        ex is HttpRequestException or SocketException or IOException or TimeoutException
        || ex.InnerException is { } inner && IsTransportFailure(inner)
        || ex is TaskCanceledException { InnerException: TimeoutException };
}
