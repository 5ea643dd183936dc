using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Docker.DotNet;
using Docker.DotNet.Models;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace RunEscape.KubeApiDouble;

/// <summary>One request the double served: verb, resource and path, for counting.</summary>
public sealed record ApiRequest(string Method, string Verb, string Resource, string Path, string Query);

/// <summary>One command the double ran through pods/exec.</summary>
public sealed record ExecRecord(string Container, IReadOnlyList<string> Command, long ExitCode);

/// <summary>
/// A Kubernetes API double on loopback: real HTTP on Kestrel, JSON bodies, strategic-merge patch of
/// pods/ephemeralcontainers, watch streams, log streams and exec over WebSocket (channel protocol
/// v4/v5). Pods are containers on a local engine; ephemeral containers join the target container's
/// PID namespace and the pod's network and IPC namespaces, as the kubelet does. Every request is
/// checked against a Role; anything not granted is 403, as on a real API server.
/// Where it differs from a real API server: KubeApiDouble.md.
/// </summary>
public sealed class KubeApiServer : IAsyncDisposable
{
    public const string User = "system:serviceaccount:default:runescape";
    public const string Token = "runescape-double-token";
    public const string PodSecurityEnforceLabel = "pod-security.kubernetes.io/enforce";

    private static readonly string[] BaselineCapabilities = { "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT" };

    private readonly WebApplication _app;
    private readonly DockerClient _docker;
    private readonly string _id = Guid.NewGuid().ToString("N")[..6];
    private readonly ConcurrentDictionary<string, string> _namespaceLevels = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ApiRequest> _requests = new();
    private readonly ConcurrentQueue<ExecRecord> _execs = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<string> _namespaces = new(StringComparer.Ordinal) { "default", "kube-node-lease", "kube-public", "kube-system" };

    private KubeApiServer(WebApplication app, DockerClient docker)
    {
        _app = app;
        _docker = docker;
    }

    /// <summary>The pods the double serves.</summary>
    public PodStore Pods { get; } = new();

    /// <summary>What the one user may do in every namespace. Default: the Role docs/kubernetes.md documents.</summary>
    public Role Role { get; set; } = Role.RunEscape;

    /// <summary>
    /// What a ClusterRole bound to the user (ClusterRoleBinding) grants: cluster-scoped requests
    /// (list namespaces) are checked against it alone, namespaced ones against it or <see cref="Role"/>.
    /// Default: nothing, as with the documented namespaced Role only.
    /// </summary>
    public Role ClusterRole { get; set; } = new();

    /// <summary>The namespaces that exist: the four a cluster starts with, those created by <see cref="CreateNamespace"/>, and those of the pods created.</summary>
    public IReadOnlyList<string> Namespaces
    {
        get
        {
            lock (_namespaces)
            {
                return _namespaces.Union(Pods.All().Select(p => p.Pod.Metadata.NamespaceProperty)).Order(StringComparer.Ordinal).ToList();
            }
        }
    }

    /// <summary>Adds a namespace (the test code's stand-in for 'kubectl create namespace').</summary>
    public void CreateNamespace(string name)
    {
        lock (_namespaces)
        {
            _namespaces.Add(name);
        }
    }

    /// <summary>False: pods/ephemeralcontainers answers 404, as on a cluster with the feature disabled.</summary>
    public bool EphemeralContainersEnabled { get; set; } = true;

    public Uri Url { get; private set; } = new("http://127.0.0.1");

    /// <summary>A kubeconfig file for the double (token auth, namespace default).</summary>
    public string KubeconfigPath { get; private set; } = string.Empty;

    /// <summary>Every request served, in order.</summary>
    public IReadOnlyList<ApiRequest> Requests => _requests.ToList();

    public void ClearRequests() => _requests.Clear();

    /// <summary>Every command run through pods/exec, with its exit code.</summary>
    public IReadOnlyList<ExecRecord> Execs => _execs.ToList();

    /// <summary>Sets a namespace's Pod Security enforce level (privileged, baseline, restricted).</summary>
    public void SetPodSecurity(string ns, string level) => _namespaceLevels[ns] = level;

    public static async Task<KubeApiServer> StartAsync(Uri engine)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        var docker = new DockerClientBuilder().WithEndpoint(engine).Build();
        var server = new KubeApiServer(app, docker);
        app.UseWebSockets();
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Urls.First();
        server.Url = new Uri(address);
        server.KubeconfigPath = Path.Combine(Path.GetTempPath(), $"kubedouble-{server._id}.kubeconfig");
        await File.WriteAllTextAsync(server.KubeconfigPath, server.Kubeconfig()).ConfigureAwait(false);
        return server;
    }

    public string Kubeconfig(string context = "double", string ns = "default") => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: double
          cluster:
            server: {Url.ToString().TrimEnd('/')}
        users:
        - name: runescape
          user:
            token: {Token}
        contexts:
        - name: {context}
          context:
            cluster: double
            user: runescape
            namespace: {ns}
        current-context: {context}
        """;

    /// <summary>One container of a pod to create.</summary>
    public sealed record ContainerSpec(string Name, string Image, long? RunAsUser = null, bool? RunAsNonRoot = null);

    /// <summary>
    /// Creates a pod as engine containers (the first holds the pod's network and IPC namespaces;
    /// the others join them). With <paramref name="start"/> false it stays Pending.
    /// </summary>
    public async Task<V1Pod> CreatePodAsync(string ns, string name, IReadOnlyList<ContainerSpec> containers, IDictionary<string, string>? labels = null, IDictionary<string, string>? annotations = null, bool start = true)
    {
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Uid = Guid.NewGuid().ToString(),
                Labels = labels ?? new Dictionary<string, string>(),
                Annotations = annotations ?? new Dictionary<string, string>(),
                CreationTimestamp = DateTime.UtcNow,
            },
            Spec = new V1PodSpec
            {
                Containers = containers.Select(c => new V1Container
                {
                    Name = c.Name,
                    Image = c.Image,
                    SecurityContext = c.RunAsUser is null && c.RunAsNonRoot is null ? null : new V1SecurityContext { RunAsUser = c.RunAsUser, RunAsNonRoot = c.RunAsNonRoot },
                }).ToList(),
            },
            Status = new V1PodStatus
            {
                Phase = "Pending",
                ContainerStatuses = containers.Select(c => new V1ContainerStatus
                {
                    Name = c.Name,
                    Image = c.Image,
                    ImageID = string.Empty,
                    Ready = false,
                    RestartCount = 0,
                    State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } },
                }).ToList(),
            },
        };
        var entry = new PodEntry { Pod = pod };
        Pods.Add(entry);
        if (!start)
        {
            return pod;
        }

        string? first = null;
        foreach (var c in containers)
        {
            var create = new CreateContainerParameters
            {
                Name = EngineName(ns, name, c.Name),
                Image = c.Image,
                User = c.RunAsUser is { } u ? u.ToString(CultureInfo.InvariantCulture) : string.Empty,
                Labels = new Dictionary<string, string> { ["io.runescape.kubedouble"] = _id, ["io.runescape.test"] = "true" },
                HostConfig = first is null
                    ? new HostConfig { IpcMode = "shareable" }
                    : new HostConfig { NetworkMode = "container:" + first, IpcMode = "container:" + first },
            };
            var created = await _docker.Containers.CreateContainerAsync(create).ConfigureAwait(false);
            first ??= created.ID;
            entry.EngineIds[c.Name] = created.ID;
            await _docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters()).ConfigureAwait(false);
        }

        Pods.Update(entry, p =>
        {
            p.Status.Phase = "Running";
            p.Status.PodIP = "10.0.0.1";
            foreach (var s in p.Status.ContainerStatuses)
            {
                s.Ready = true;
                s.ContainerID = "docker://" + entry.EngineIds[s.Name];
                s.State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = DateTime.UtcNow } };
            }
        });
        return pod;
    }

    /// <summary>Deletes a pod and every engine container behind it (ephemeral ones too).</summary>
    public async Task DeletePodAsync(string ns, string name)
    {
        var entry = Pods.Get(ns, name);
        if (entry is null)
        {
            return;
        }

        foreach (var id in entry.EngineIds.Values.Reverse().ToList())
        {
            try
            {
                await _docker.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }).ConfigureAwait(false);
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
            }
        }

        Pods.Remove(entry);
    }

    internal static void Trace(string what)
    {
        if (Environment.GetEnvironmentVariable("KDBL_TRACE") is { Length: > 0 } file)
        {
            File.AppendAllText(file, DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture) + " " + what + "\n");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Trace("dispose");
        await _stopping.CancelAsync().ConfigureAwait(false);
        foreach (var p in Pods.All())
        {
            await DeletePodAsync(p.Pod.Metadata.NamespaceProperty, p.Pod.Metadata.Name).ConfigureAwait(false);
        }

        Trace("pods deleted");
        await _app.StopAsync().ConfigureAwait(false);
        Trace("stopped");
        await _app.DisposeAsync().ConfigureAwait(false);
        _docker.Dispose();
        _stopping.Dispose();
        File.Delete(KubeconfigPath);
    }

    private string EngineName(string ns, string pod, string container) => $"kdbl-{_id}-{ns}-{pod}-{container}";

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        var parts = path.Trim('/').Split('/');

        // /api/v1/namespaces: the cluster-scoped namespace list.
        if (parts is ["api", "v1", "namespaces"])
        {
            await NamespacesAsync(ctx).ConfigureAwait(false);
            return;
        }

        // /api/v1/namespaces/{ns}/pods[/{name}[/{subresource}]]
        if (parts.Length < 5 || parts[0] != "api" || parts[1] != "v1" || parts[2] != "namespaces" || parts[4] != "pods")
        {
            Record(ctx, "unknown", path);
            await Status(ctx, 404, "NotFound", "the server could not find the requested resource").ConfigureAwait(false);
            return;
        }

        var ns = parts[3];
        var name = parts.Length > 5 ? parts[5] : null;
        var sub = parts.Length > 6 ? parts[6] : null;
        var resource = sub is null ? "pods" : "pods/" + sub;
        var isWatch = ctx.Request.Query["watch"] is { Count: > 0 } w && (w[0] == "true" || w[0] == "1");
        var verb = (ctx.Request.Method, name, sub) switch
        {
            ("GET", null, _) => isWatch ? "watch" : "list",
            ("GET", _, "exec") or ("POST", _, "exec") => "create",
            ("GET", _, _) => "get",
            ("PATCH", _, _) => "patch",
            ("DELETE", _, _) => "delete",
            ("POST", _, _) => "create",
            ("PUT", _, _) => "update",
            _ => "unknown",
        };
        Record(ctx, verb, resource);
        Trace($"{verb} {resource} {ctx.Request.QueryString}");

        if (ctx.Request.Headers.Authorization.ToString() != "Bearer " + Token)
        {
            await Status(ctx, 401, "Unauthorized", "Unauthorized").ConfigureAwait(false);
            return;
        }

        if (!Role.Allows(verb, resource) && !ClusterRole.Allows(verb, resource))
        {
            var subject = name is null ? "pods" : $"pods \"{name}\"";
            await Status(ctx, 403, "Forbidden", $"{subject} is forbidden: User \"{User}\" cannot {verb} resource \"{resource}\" in API group \"\" in the namespace \"{ns}\"", name).ConfigureAwait(false);
            return;
        }

        if (sub == "ephemeralcontainers" && !EphemeralContainersEnabled)
        {
            await Status(ctx, 404, "NotFound", "the server could not find the requested resource").ConfigureAwait(false);
            return;
        }

        if (name is null)
        {
            if (isWatch)
            {
                await WatchAsync(ctx, ns).ConfigureAwait(false);
            }
            else
            {
                await ListAsync(ctx, ns).ConfigureAwait(false);
            }

            return;
        }

        var entry = Pods.Get(ns, name);
        if (entry is null)
        {
            await Status(ctx, 404, "NotFound", $"pods \"{name}\" not found", name).ConfigureAwait(false);
            return;
        }

        switch (sub)
        {
            case null when verb == "get":
                await Json(ctx, 200, Pods.Snapshot(entry)).ConfigureAwait(false);
                break;
            case "ephemeralcontainers" when verb == "patch":
                await PatchEphemeralAsync(ctx, entry).ConfigureAwait(false);
                break;
            case "log" when verb == "get":
                await LogAsync(ctx, entry).ConfigureAwait(false);
                break;
            case "exec":
                await ExecAsync(ctx, entry).ConfigureAwait(false);
                break;
            default:
                await Status(ctx, 405, "MethodNotAllowed", $"{ctx.Request.Method} is not supported on {resource} by the double").ConfigureAwait(false);
                break;
        }
    }

    /// <summary>GET /api/v1/namespaces: list (watch is not served). Cluster-scoped, so only a ClusterRole grants it.</summary>
    private async Task NamespacesAsync(HttpContext ctx)
    {
        var isWatch = ctx.Request.Query["watch"] is { Count: > 0 } w && (w[0] == "true" || w[0] == "1");
        var verb = ctx.Request.Method == "GET" ? (isWatch ? "watch" : "list") : ctx.Request.Method == "POST" ? "create" : "unknown";
        Record(ctx, verb, "namespaces");
        Trace($"{verb} namespaces {ctx.Request.QueryString}");
        if (ctx.Request.Headers.Authorization.ToString() != "Bearer " + Token)
        {
            await Status(ctx, 401, "Unauthorized", "Unauthorized").ConfigureAwait(false);
            return;
        }

        if (!ClusterRole.Allows(verb, "namespaces"))
        {
            await Status(ctx, 403, "Forbidden", $"namespaces is forbidden: User \"{User}\" cannot {verb} resource \"namespaces\" in API group \"\" at the cluster scope").ConfigureAwait(false);
            return;
        }

        if (verb != "list")
        {
            await Status(ctx, 405, "MethodNotAllowed", $"{ctx.Request.Method} is not supported on namespaces by the double").ConfigureAwait(false);
            return;
        }

        var items = Namespaces.Select(n => new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = n, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = n } },
            ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
            ["status"] = new JsonObject { ["phase"] = "Active" },
        });
        var list = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "NamespaceList",
            ["metadata"] = new JsonObject { ["resourceVersion"] = Pods.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = new JsonArray(items.ToArray<JsonNode>()),
        };
        await Json(ctx, 200, list.ToJsonString()).ConfigureAwait(false);
    }

    private void Record(HttpContext ctx, string verb, string resource) =>
        _requests.Enqueue(new ApiRequest(ctx.Request.Method, verb, resource, ctx.Request.Path.Value ?? string.Empty, ctx.Request.QueryString.Value ?? string.Empty));

    private async Task ListAsync(HttpContext ctx, string ns)
    {
        var selector = ctx.Request.Query["labelSelector"].ToString();
        var items = Pods.List(ns).Where(e => MatchesLabels(e.Pod, selector)).Select(Pods.Snapshot);
        var json = "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"" + Pods.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture) + "\"},\"items\":[" + string.Join(",", items) + "]}";
        await Json(ctx, 200, json).ConfigureAwait(false);
    }

    /// <summary>Equality selectors only: a=b,c=d (and a==b, a!=b).</summary>
    private static bool MatchesLabels(V1Pod pod, string selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return true;
        }

        var labels = pod.Metadata.Labels ?? new Dictionary<string, string>();
        foreach (var term in selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (term.Contains("!=", StringComparison.Ordinal))
            {
                var kv = term.Split("!=", 2);
                if (labels.TryGetValue(kv[0], out var v) && v == kv[1])
                {
                    return false;
                }
            }
            else if (term.Contains('=', StringComparison.Ordinal))
            {
                var kv = term.Replace("==", "=", StringComparison.Ordinal).Split('=', 2);
                if (!labels.TryGetValue(kv[0], out var v) || v != kv[1])
                {
                    return false;
                }
            }
            else if (!labels.ContainsKey(term))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A watch stream: one JSON event per line, held open until timeoutSeconds or the client leaves.</summary>
    private async Task WatchAsync(HttpContext ctx, string ns)
    {
        var field = ctx.Request.Query["fieldSelector"].ToString();
        string? onlyName = field.StartsWith("metadata.name=", StringComparison.Ordinal) ? field["metadata.name=".Length..] : null;
        var rvText = ctx.Request.Query["resourceVersion"].ToString();
        var timeout = int.TryParse(ctx.Request.Query["timeoutSeconds"], out var t) && t > 0 ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, _stopping.Token);
        cts.CancelAfter(timeout);

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.StartAsync(cts.Token).ConfigureAwait(false);

        long rv;
        if (string.IsNullOrEmpty(rvText) || rvText == "0")
        {
            // No resource version: synthetic ADDED events for what exists now, then changes.
            rv = Pods.CurrentResourceVersion;
            foreach (var e in Pods.List(ns).Where(e => onlyName is null || e.Pod.Metadata.Name == onlyName))
            {
                await WriteLine(ctx, "{\"type\":\"ADDED\",\"object\":" + Pods.Snapshot(e) + "}", cts.Token).ConfigureAwait(false);
            }
        }
        else
        {
            rv = long.Parse(rvText, CultureInfo.InvariantCulture);
        }

        try
        {
            while (!cts.IsCancellationRequested)
            {
                var (events, next) = Pods.EventsAfter(rv);
                foreach (var e in events)
                {
                    rv = e.ResourceVersion;
                    if (e.Namespace == ns && (onlyName is null || e.Name == onlyName))
                    {
                        await WriteLine(ctx, e.Json, cts.Token).ConfigureAwait(false);
                    }
                }

                await next.WaitAsync(cts.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout or client gone: the watch ends, as on a real server.
        }
    }

    private static async Task WriteLine(HttpContext ctx, string json, CancellationToken token)
    {
        await ctx.Response.WriteAsync(json + "\n", token).ConfigureAwait(false);
        await ctx.Response.Body.FlushAsync(token).ConfigureAwait(false);
    }

    /// <summary>Strategic-merge patch of spec.ephemeralContainers (merge key: name); existing entries may not change.</summary>
    private async Task PatchEphemeralAsync(HttpContext ctx, PodEntry entry)
    {
        var pod = entry.Pod;
        var contentType = ctx.Request.ContentType ?? string.Empty;
        if (!contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
        {
            await Status(ctx, 415, "UnsupportedMediaType", $"the double supports only application/strategic-merge-patch+json on pods/ephemeralcontainers, not {contentType}").ConfigureAwait(false);
            return;
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(ctx.Request.Body).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            await Status(ctx, 400, "BadRequest", "error decoding patch: " + ex.Message).ConfigureAwait(false);
            return;
        }

        var list = body?["spec"]?["ephemeralContainers"] as JsonArray ?? new JsonArray();
        var added = new List<V1EphemeralContainer>();
        var index = pod.Spec.EphemeralContainers?.Count ?? 0;
        foreach (var node in list)
        {
            var ec = KubernetesJson.Deserialize<V1EphemeralContainer>(node!.ToJsonString());
            var existing = pod.Spec.EphemeralContainers?.FirstOrDefault(e => e.Name == ec.Name);
            if (existing is not null)
            {
                if (KubernetesJson.Serialize(existing) != KubernetesJson.Serialize(ec))
                {
                    await Invalid(ctx, pod, $"spec.ephemeralContainers[{index}]: Forbidden: existing ephemeral containers \"{ec.Name}\" may not be changed").ConfigureAwait(false);
                    return;
                }

                continue;
            }

            var error = Validate(pod, ec, index);
            if (error is not null)
            {
                await Invalid(ctx, pod, error).ConfigureAwait(false);
                return;
            }

            added.Add(ec);
            index++;
        }

        if (_namespaceLevels.TryGetValue(pod.Metadata.NamespaceProperty, out var level) && level != "privileged")
        {
            var violations = added.SelectMany(ec => PodSecurityViolations(level, pod, ec)).ToList();
            if (violations.Count > 0)
            {
                await Status(ctx, 403, "Forbidden", $"pods \"{pod.Metadata.Name}\" is forbidden: violates PodSecurity \"{level}:latest\": {string.Join(", ", violations)}", pod.Metadata.Name).ConfigureAwait(false);
                return;
            }
        }

        var json = Pods.Update(entry, p =>
        {
            p.Spec.EphemeralContainers ??= new List<V1EphemeralContainer>();
            p.Status.EphemeralContainerStatuses ??= new List<V1ContainerStatus>();
            foreach (var ec in added)
            {
                p.Spec.EphemeralContainers.Add(ec);
                p.Status.EphemeralContainerStatuses.Add(new V1ContainerStatus
                {
                    Name = ec.Name,
                    Image = ec.Image,
                    ImageID = string.Empty,
                    Ready = false,
                    RestartCount = 0,
                    State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } },
                });
            }
        });
        await Json(ctx, 200, json).ConfigureAwait(false);

        foreach (var ec in added)
        {
            _ = Task.Run(() => KubeletRunAsync(entry, ec));
        }
    }

    private static string? Validate(V1Pod pod, V1EphemeralContainer ec, int index)
    {
        var field = $"spec.ephemeralContainers[{index}]";
        if (string.IsNullOrEmpty(ec.Name) || ec.Name.Length > 63 || !System.Text.RegularExpressions.Regex.IsMatch(ec.Name, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))
        {
            return $"{field}.name: Invalid value: \"{ec.Name}\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'";
        }

        if (pod.Spec.Containers.Any(c => c.Name == ec.Name))
        {
            return $"{field}.name: Duplicate value: \"{ec.Name}\"";
        }

        if (string.IsNullOrEmpty(ec.Image))
        {
            return $"{field}.image: Required value";
        }

        if (ec.TargetContainerName is { } target && pod.Spec.Containers.All(c => c.Name != target))
        {
            return $"{field}.targetContainerName: Not found: \"{target}\"";
        }

        return null;
    }

    /// <summary>The Pod Security checks that concern an ephemeral container (baseline and restricted).</summary>
    private static IEnumerable<string> PodSecurityViolations(string level, V1Pod pod, V1EphemeralContainer ec)
    {
        var sc = ec.SecurityContext;
        var podSc = pod.Spec.SecurityContext;
        var who = $"container \"{ec.Name}\"";
        if (sc?.Privileged == true)
        {
            yield return $"privileged ({who} must not set securityContext.privileged=true)";
        }

        var added = sc?.Capabilities?.Add ?? new List<string>();
        if (level == "baseline")
        {
            var bad = added.Where(c => !BaselineCapabilities.Contains(c)).ToList();
            if (bad.Count > 0)
            {
                yield return $"non-default capabilities ({who} must not include {string.Join(", ", bad.Select(b => "\"" + b + "\""))} in securityContext.capabilities.add)";
            }

            yield break;
        }

        // restricted
        if (sc?.AllowPrivilegeEscalation != false)
        {
            yield return $"allowPrivilegeEscalation != false ({who} must set securityContext.allowPrivilegeEscalation=false)";
        }

        var drop = sc?.Capabilities?.Drop ?? new List<string>();
        var extra = added.Where(c => c != "NET_BIND_SERVICE").ToList();
        if (!drop.Contains("ALL") || extra.Count > 0)
        {
            yield return extra.Count > 0
                ? $"unrestricted capabilities ({who} must not include {string.Join(", ", extra.Select(b => "\"" + b + "\""))} in securityContext.capabilities.add)"
                : $"unrestricted capabilities ({who} must set securityContext.capabilities.drop=[\"ALL\"])";
        }

        if ((sc?.RunAsNonRoot ?? podSc?.RunAsNonRoot) != true)
        {
            yield return $"runAsNonRoot != true (pod or {who} must set securityContext.runAsNonRoot=true)";
        }

        if ((sc?.RunAsUser ?? podSc?.RunAsUser) == 0)
        {
            yield return $"runAsUser=0 (pod and {who} must not set runAsUser=0)";
        }

        var seccomp = sc?.SeccompProfile?.Type ?? podSc?.SeccompProfile?.Type;
        if (seccomp is not "RuntimeDefault" and not "Localhost")
        {
            yield return $"seccompProfile (pod or {who} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")";
        }
    }

    /// <summary>What the kubelet does with a new ephemeral container: pull (here: the image must be local), create, start, report.</summary>
    private async Task KubeletRunAsync(PodEntry entry, V1EphemeralContainer ec)
    {
        var pod = entry.Pod;
        var ns = pod.Metadata.NamespaceProperty;
        var sc = ec.SecurityContext;
        try
        {
            ImageInspectResponse image;
            try
            {
                image = await _docker.Images.InspectImageAsync(ec.Image, _stopping.Token).ConfigureAwait(false);
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                SetWaiting(entry, ec.Name, "ErrImagePull", $"failed to pull and unpack image \"{ec.Image}\": failed to resolve reference \"{ec.Image}\": pull access denied, repository does not exist or may require authorization");
                await Task.Delay(1000, _stopping.Token).ConfigureAwait(false);
                SetWaiting(entry, ec.Name, "ImagePullBackOff", $"Back-off pulling image \"{ec.Image}\"");
                return;
            }

            var runAsUser = sc?.RunAsUser ?? pod.Spec.SecurityContext?.RunAsUser;
            var runAsGroup = sc?.RunAsGroup ?? pod.Spec.SecurityContext?.RunAsGroup;
            if ((sc?.RunAsNonRoot ?? pod.Spec.SecurityContext?.RunAsNonRoot) == true && runAsUser is null)
            {
                var user = image.Config?.User ?? string.Empty;
                var uidText = user.Split(':')[0];
                if (uidText.Length == 0 || uidText == "0" || uidText == "root")
                {
                    SetWaiting(entry, ec.Name, "CreateContainerConfigError", "container has runAsNonRoot and image will run as root (pod: \"" + pod.Metadata.Name + "_" + ns + "(" + pod.Metadata.Uid + ")\", container: " + ec.Name + ")");
                    return;
                }

                if (!long.TryParse(uidText, out _))
                {
                    SetWaiting(entry, ec.Name, "CreateContainerConfigError", $"container has runAsNonRoot and image has non-numeric user ({uidText}), cannot verify user is non-root");
                    return;
                }
            }

            var first = entry.EngineIds[pod.Spec.Containers[0].Name];
            var target = entry.EngineIds[ec.TargetContainerName ?? pod.Spec.Containers[0].Name];
            var host = new HostConfig
            {
                PidMode = "container:" + target,
                NetworkMode = "container:" + first,
                IpcMode = "container:" + first,
                ReadonlyRootfs = sc?.ReadOnlyRootFilesystem == true,
                CapDrop = sc?.Capabilities?.Drop?.ToList(),
                CapAdd = sc?.Capabilities?.Add?.ToList(),
                Privileged = sc?.Privileged == true,
                SecurityOpt = sc?.AllowPrivilegeEscalation == false ? new List<string> { "no-new-privileges" } : null,
            };
            var create = new CreateContainerParameters
            {
                Name = EngineName(ns, pod.Metadata.Name, ec.Name),
                Image = ec.Image,
                Entrypoint = ec.Command?.ToList(),
                Cmd = ec.Args?.ToList(),
                Env = ec.Env?.Select(e => e.Name + "=" + e.Value).ToList(),
                User = runAsUser is null ? string.Empty : runAsUser.Value.ToString(CultureInfo.InvariantCulture) + (runAsGroup is null ? string.Empty : ":" + runAsGroup.Value.ToString(CultureInfo.InvariantCulture)),
                Labels = new Dictionary<string, string> { ["io.runescape.kubedouble"] = _id, ["io.runescape.test"] = "true" },
                Tty = false,
                OpenStdin = false,
                HostConfig = host,
            };
            var created = await _docker.Containers.CreateContainerAsync(create, _stopping.Token).ConfigureAwait(false);
            lock (entry.EngineIds)
            {
                entry.EngineIds[ec.Name] = created.ID;
            }

            await _docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), _stopping.Token).ConfigureAwait(false);
            var startedAt = DateTime.UtcNow;
            Pods.Update(entry, p => SetState(p, ec.Name, new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = startedAt } }, "docker://" + created.ID));

            var wait = await _docker.Containers.WaitContainerAsync(created.ID, _stopping.Token).ConfigureAwait(false);
            var exit = (int)wait.StatusCode;
            Pods.Update(entry, p => SetState(p, ec.Name, new V1ContainerState
            {
                Terminated = new V1ContainerStateTerminated
                {
                    ExitCode = exit,
                    Reason = exit == 0 ? "Completed" : "Error",
                    StartedAt = startedAt,
                    FinishedAt = DateTime.UtcNow,
                    ContainerID = "docker://" + created.ID,
                },
            }, "docker://" + created.ID));
        }
        catch (OperationCanceledException)
        {
        }
        catch (DockerApiException ex)
        {
            SetWaiting(entry, ec.Name, "CreateContainerError", ex.ResponseBody?.Trim() ?? ex.Message);
        }
    }

    private void SetWaiting(PodEntry entry, string name, string reason, string message) =>
        Pods.Update(entry, p => SetState(p, name, new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason, Message = message } }, null));

    private static void SetState(V1Pod pod, string name, V1ContainerState state, string? containerId)
    {
        var status = pod.Status.EphemeralContainerStatuses.First(s => s.Name == name);
        status.State = state;
        if (containerId is not null)
        {
            status.ContainerID = containerId;
        }
    }

    private string? EngineIdOf(PodEntry entry, string? container)
    {
        lock (entry.EngineIds)
        {
            return entry.EngineIds.GetValueOrDefault(container ?? entry.Pod.Spec.Containers[0].Name);
        }
    }

    /// <summary>
    /// The container's log: stdout and stderr in the order the engine's log stream gives them,
    /// streamed as read (with follow=true, until the container ends), cut at limitBytes.
    /// </summary>
    private async Task LogAsync(HttpContext ctx, PodEntry entry)
    {
        var container = ctx.Request.Query["container"].ToString();
        var id = EngineIdOf(entry, string.IsNullOrEmpty(container) ? null : container);
        if (id is null)
        {
            var known = entry.Pod.Spec.Containers.Any(c => c.Name == container) || entry.Pod.Spec.EphemeralContainers?.Any(c => c.Name == container) == true;
            await Status(ctx, 400, "BadRequest", known
                ? $"container \"{container}\" in pod \"{entry.Pod.Metadata.Name}\" is waiting to start: ContainerCreating"
                : $"container {container} is not valid for pod {entry.Pod.Metadata.Name}").ConfigureAwait(false);
            return;
        }

        var remaining = long.MaxValue;
        var limit = ctx.Request.Query["limitBytes"].ToString();
        if (limit.Length > 0)
        {
            // limitBytes: a positive integer, else 422 (the API server's validation); the body stops there.
            if (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var limitBytes) || limitBytes < 1)
            {
                await Status(ctx, 422, "Invalid", $"PodLogOptions \"{entry.Pod.Metadata.Name}\" is invalid: limitBytes: Invalid value: {limit}: must be greater than 0").ConfigureAwait(false);
                return;
            }

            remaining = limitBytes;
        }

        var follow = ctx.Request.Query["follow"].ToString();
        var following = false;
        if (follow.Length > 0 && !bool.TryParse(follow, out following))
        {
            await Status(ctx, 400, "BadRequest", $"strconv.ParseBool: parsing \"{follow}\": invalid syntax").ConfigureAwait(false);
            return;
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.StartAsync(ctx.RequestAborted).ConfigureAwait(false);
        var written = await CopyLogAsync(ctx, id, following, remaining).ConfigureAwait(false);
        if (following && written == 0)
        {
            // Docker Engine's followed log of a container that has just exited is sometimes empty
            // (a race in the engine, about 1 run in 4 here); a kubelet reads the log file and has no
            // such race. Read it once more, without follow.
            await CopyLogAsync(ctx, id, false, remaining).ConfigureAwait(false);
        }
    }

    private async Task<long> CopyLogAsync(HttpContext ctx, string id, bool follow, long remaining)
    {
        var parameters = new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Follow = follow };
        using var stream = await _docker.Containers.GetContainerLogsAsync(id, parameters, ctx.RequestAborted).ConfigureAwait(false);
        var buffer = new byte[81920];
        var written = 0L;
        while (remaining > 0)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ctx.RequestAborted).ConfigureAwait(false);
            if (read.EOF)
            {
                break;
            }

            var n = (int)Math.Min(read.Count, remaining);
            await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, n), ctx.RequestAborted).ConfigureAwait(false);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
            remaining -= n;
            written += n;
        }

        return written;
    }

    /// <summary>Exec over WebSocket, channel protocol v4/v5: channel 1 stdout, 2 stderr, 3 the Status JSON.</summary>
    private async Task ExecAsync(HttpContext ctx, PodEntry entry)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            await Status(ctx, 400, "BadRequest", "Upgrade request required").ConfigureAwait(false);
            return;
        }

        var protocols = ctx.WebSockets.WebSocketRequestedProtocols;
        var protocol = new[] { "v5.channel.k8s.io", "v4.channel.k8s.io" }.FirstOrDefault(protocols.Contains);
        if (protocol is null)
        {
            await Status(ctx, 400, "BadRequest", "the double speaks only v4.channel.k8s.io and v5.channel.k8s.io, requested: " + string.Join(",", protocols)).ConfigureAwait(false);
            return;
        }

        var container = ctx.Request.Query["container"].ToString();
        var command = ctx.Request.Query["command"].Select(c => c ?? string.Empty).ToList();
        var id = EngineIdOf(entry, string.IsNullOrEmpty(container) ? null : container);
        if (id is null || command.Count == 0)
        {
            await Status(ctx, 400, "BadRequest", id is null ? $"container {container} is not valid for pod {entry.Pod.Metadata.Name}" : "you must specify at least 1 command").ConfigureAwait(false);
            return;
        }

        using var socket = await ctx.WebSockets.AcceptWebSocketAsync(protocol).ConfigureAwait(false);
        Trace("exec accepted " + protocol);
        string status;
        try
        {
            var exec = await _docker.Exec.CreateContainerExecAsync(id, new ContainerExecCreateParameters { Cmd = command, AttachStdout = true, AttachStderr = true }, ctx.RequestAborted).ConfigureAwait(false);
            using (var stream = await _docker.Exec.StartContainerExecAsync(exec.ID, new ContainerExecStartParameters(), ctx.RequestAborted).ConfigureAwait(false))
            {
                // The engine does not end an exec stream when the exec kills its own container's main
                // process (the container stops, the stream stays open): end the read when the container ends.
                using var readCts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
                var read = stream.ReadOutputToEndAsync(readCts.Token);
                var stopped = _docker.Containers.WaitContainerAsync(id, readCts.Token);
                if (await Task.WhenAny(read, stopped).ConfigureAwait(false) != read)
                {
                    await Task.WhenAny(read, Task.Delay(1000)).ConfigureAwait(false);
                }

                await readCts.CancelAsync().ConfigureAwait(false);
                var (stdout, stderr) = read.IsCompletedSuccessfully ? read.Result : (string.Empty, string.Empty);
                await Send(socket, 1, stdout, ctx.RequestAborted).ConfigureAwait(false);
                await Send(socket, 2, stderr, ctx.RequestAborted).ConfigureAwait(false);
            }

            long exitCode;
            try
            {
                var inspect = await _docker.Exec.InspectContainerExecAsync(exec.ID, ctx.RequestAborted).ConfigureAwait(false);
                exitCode = inspect.ExitCode ?? 137;
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                // The command ended its own container (e.g. killed its main process): the engine forgets
                // the exec; the process died with the container, as it does under a kubelet.
                exitCode = 137;
            }

            _execs.Enqueue(new ExecRecord(container, command, exitCode));
            status = exitCode == 0
                ? "{\"metadata\":{},\"status\":\"Success\"}"
                : "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: error executing command [" + string.Join(" ", command).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "], exit code " + exitCode.ToString(CultureInfo.InvariantCulture) + "\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"" + exitCode.ToString(CultureInfo.InvariantCulture) + "\"}]}}";
        }
        catch (Exception ex) when (ex is DockerApiException or IOException or OperationCanceledException)
        {
            Trace("exec failed " + ex);
            status = "{\"metadata\":{},\"status\":\"Failure\",\"message\":" + JsonSerializer.Serialize((ex as DockerApiException)?.ResponseBody ?? ex.Message) + ",\"reason\":\"InternalError\"}";
        }

        await Send(socket, 3, status, ctx.RequestAborted).ConfigureAwait(false);
        // Like the API server: the status, then the connection ends; no waiting for the client's close frame.
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, string.Empty, ctx.RequestAborted).ConfigureAwait(false);
        Trace("exec done");
    }

    private static async Task Send(WebSocket socket, byte channel, string text, CancellationToken token)
    {
        if (text.Length == 0 && channel != 3)
        {
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(text);
        var frame = new byte[bytes.Length + 1];
        frame[0] = channel;
        bytes.CopyTo(frame, 1);
        await socket.SendAsync(frame, WebSocketMessageType.Binary, true, token).ConfigureAwait(false);
    }

    private static Task Invalid(HttpContext ctx, V1Pod pod, string cause) =>
        Status(ctx, 422, "Invalid", $"Pod \"{pod.Metadata.Name}\" is invalid: {cause}", pod.Metadata.Name);

    private static async Task Json(HttpContext ctx, int code, string json)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(json).ConfigureAwait(false);
    }

    private static Task Status(HttpContext ctx, int code, string reason, string message, string? name = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        if (name is not null)
        {
            status["details"] = new JsonObject { ["name"] = name, ["kind"] = "pods" };
        }

        return Json(ctx, code, status.ToJsonString());
    }
}
