using System.Diagnostics;
using k8s.Models;
using RunEscape.Catalog;
using RunEscape.KubeApiDouble;
using RunEscape.Lifecycle;
using RunEscape.Parsers;
using RunEscape.Runtimes.Kubernetes;
using RunEscape.Tests.Integration;

namespace RunEscape.Tests.Kubernetes;

/// <summary>One API double and one running sample pod (web-1) shared by the tests of the class.</summary>
public sealed class KubeDoubleFixture : IAsyncLifetime
{
    public const string Pod = "web-1";

    /// <summary>
    /// A registry prefix under which the procps capsule is tagged with pkill added. src/capsules/procps
    /// carries pkill now, but the shared capsule tags on this machine are rebuilt by every worktree;
    /// the kill tests use this private tag so they do not depend on whose build ran last.
    /// </summary>
    public const string KillRegistry = "kdbl.local";

    public KubeApiServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var engine = TestEngines.All.TryGetValue("docker", out var docker) ? docker : TestEngines.All.Values.First();
        Server = await KubeApiServer.StartAsync(engine);
        await Server.CreatePodAsync("default", Pod, new[] { new KubeApiServer.ContainerSpec("app", TestEngines.SampleImage) }, new Dictionary<string, string> { ["app"] = "web" });
        await BuildKillImageAsync();
        await Task.Delay(2000); // let the burner accumulate CPU time
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Docker("rmi", "-f", KillImage);
        await Docker("rmi", "-f", NoPkillImage);
    }

    private static string KillImage => $"{KillRegistry}/runescape/capsule-procps:{TestEngines.Version}";

    /// <summary>The BusyBox capsule with pkill replaced by BusyBox itself, which has no such applet (exit 127).</summary>
    public static string NoPkillImage => $"kdbl.local/runescape/capsule-busybox-nopkill:{TestEngines.Version}";

    private static async Task BuildKillImageAsync()
    {
        var dir = Directory.CreateTempSubdirectory("kdbl-kill-");
        try
        {
            File.Copy("/usr/bin/pgrep", Path.Combine(dir.FullName, "pkill"));
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "Dockerfile"), $"FROM runescape/capsule-procps:{TestEngines.Version}\nCOPY pkill /usr/bin/pkill\n");
            await Docker("build", "-q", "-t", KillImage, dir.FullName);
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "Dockerfile"), $"FROM runescape/capsule-busybox:{TestEngines.Version}\nRUN [\"/bin/busybox\", \"ln\", \"-sf\", \"/bin/busybox\", \"/usr/bin/pkill\"]\n");
            await Docker("build", "-q", "-t", NoPkillImage, dir.FullName);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    private static async Task Docker(params string[] args)
    {
        var psi = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0 && args[0] != "rmi")
        {
            throw new InvalidOperationException($"docker {string.Join(' ', args)}: {await err}");
        }
    }
}

/// <summary>
/// Capsules on Kubernetes pods, through real HTTP against the API double, whose pods and ephemeral
/// containers are containers on the local engine. The double enforces the documented Role.
/// </summary>
[Trait("Category", "Kubernetes")]
public sealed class KubernetesCapsuleTests : IClassFixture<KubeDoubleFixture>
{
    private readonly KubeDoubleFixture _fixture;

    public KubernetesCapsuleTests(KubeDoubleFixture fixture)
    {
        _fixture = fixture;
        Server.Role = Role.RunEscape;
        Server.EphemeralContainersEnabled = true;
        Server.SetPodSecurity("default", "privileged");
    }

    private KubeApiServer Server => _fixture.Server;

    private KubernetesRuntime Runtime(string? targetContainer = null) =>
        new(new KubernetesOptions { Kubeconfig = Server.KubeconfigPath, TargetContainer = targetContainer });

    private async Task<CapsuleResult> InvokeAsync(string target, string utility = "top", IReadOnlyList<string>? args = null, TimeSpan? timeout = null, string? registry = null, string? targetContainer = null, CancellationToken cancellationToken = default)
    {
        using var runtime = Runtime(targetContainer);
        var invoker = new CapsuleInvoker(runtime, CapsuleCatalog.Builtin);
        return await invoker.InvokeAsync(
            new CapsuleRequest { Utility = utility, Target = target, ArgumentList = args ?? Array.Empty<string>(), Timeout = timeout, Registry = registry },
            cancellationToken);
    }

    [Fact]
    public async Task Top_on_a_pod_sees_the_target_containers_processes_and_the_burner_sorts_first()
    {
        var result = await InvokeAsync(KubeDoubleFixture.Pod);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("kubernetes", result.Engine);
        Assert.Matches("^capsule-top-[0-9a-f]{8}$", result.CapsuleName);
        var processes = result.Items.Cast<TopProcess>().ToList();
        var sorted = processes.OrderByDescending(p => p.CPU).ToList();
        Assert.Equal("md5sum /dev/zero", sorted[0].Command);
        // Strictly ahead of the rest (the machine is shared, so no absolute CPU share is asserted).
        Assert.True(sorted[0].CPU > sorted[1].CPU, $"burner CPU {sorted[0].CPU} is not above {sorted[1].Command} at {sorted[1].CPU}");

        // The ephemeral container joined the target container's PID namespace: its PID 1 is listed.
        var init = Assert.Single(processes, p => p.PID == 1);
        Assert.StartsWith("/usr/bin/xargs -a /etc/sample/jobs", init.Command, StringComparison.Ordinal);
        Assert.All(result.Records, r => Assert.Equal(KubeDoubleFixture.Pod, r.Target));

        // The capsule is in the pod's spec with the target container and no privileges, terminated with 0.
        var pod = Server.Pods.Get("default", KubeDoubleFixture.Pod)!.Pod;
        var ec = Assert.Single(pod.Spec.EphemeralContainers, c => c.Name == result.CapsuleName);
        Assert.Equal("app", ec.TargetContainerName);
        Assert.False(ec.Stdin ?? false);
        Assert.False(ec.Tty ?? false);
        Assert.Equal(new[] { "ALL" }, ec.SecurityContext.Capabilities.Drop);
        Assert.False(ec.SecurityContext.AllowPrivilegeEscalation);
        Assert.Contains(ec.Env, e => e.Name == KubernetesRuntime.UtilityVariable && e.Value == "top");
        Assert.Contains(ec.Env, e => e.Name == KubernetesRuntime.DeadlineVariable && DateTimeOffset.Parse(e.Value, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);
        Assert.Equal(0, pod.Status.EphemeralContainerStatuses.Single(s => s.Name == result.CapsuleName).State.Terminated.ExitCode);
    }

    [Fact]
    public async Task One_invocation_makes_four_requests_however_long_the_utility_runs()
    {
        Server.ClearRequests();
        var sw = Stopwatch.StartNew();
        await InvokeAsync(KubeDoubleFixture.Pod, args: new[] { "-d", "0.2", "-n", "1" });
        var shortTime = sw.Elapsed;
        var shortRun = Server.Requests.ToList();

        Server.ClearRequests();
        sw.Restart();
        await InvokeAsync(KubeDoubleFixture.Pod, args: new[] { "-d", "1", "-n", "6" });
        var longTime = sw.Elapsed;
        var longRun = Server.Requests.ToList();

        Assert.True(longTime - shortTime > TimeSpan.FromSeconds(2), $"the long run ({longTime}) should take about 5 s more than the short one ({shortTime}), which also pays the first call's warm-up");
        var expected = new[] { "get pods", "patch pods/ephemeralcontainers", "watch pods", "get pods/log" };
        Assert.Equal(expected, shortRun.Select(r => r.Verb + " " + r.Resource));
        Assert.Equal(expected, longRun.Select(r => r.Verb + " " + r.Resource));
    }

    [Fact]
    public async Task Listing_shows_the_capsule_terminated_and_removing_a_running_capsule_kills_it()
    {
        using var runtime = Runtime();
        var invoker = new CapsuleInvoker(runtime, CapsuleCatalog.Builtin);
        var run = invoker.InvokeAsync(new CapsuleRequest { Utility = "top", Target = KubeDoubleFixture.Pod, ArgumentList = new[] { "-d", "1", "-n", "1000" }, Timeout = TimeSpan.FromSeconds(60), Registry = KubeDoubleFixture.KillRegistry }, CancellationToken.None);

        CapsuleInfo? running = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (running is null && DateTime.UtcNow < deadline)
        {
            running = (await runtime.ListCapsulesAsync(CancellationToken.None)).FirstOrDefault(c => c.State == "Running");
            await Task.Delay(200);
        }

        Assert.NotNull(running);
        Assert.Equal("top", running.Utility);
        Assert.Equal(KubeDoubleFixture.Pod, running.Target);
        Assert.Equal($"default/{KubeDoubleFixture.Pod}/{running.Name}", running.Id);

        Assert.True(await runtime.RemoveCapsuleAsync(running.Id, CancellationToken.None));
        var result = await run.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(137, result.ExitCode);

        var after = (await runtime.ListCapsulesAsync(CancellationToken.None)).Single(c => c.Id == running.Id);
        Assert.Equal("Terminated (137)", after.State);
        Assert.False(await runtime.RemoveCapsuleAsync($"default/{KubeDoubleFixture.Pod}/capsule-none-00000000", CancellationToken.None));
    }

    [Fact]
    public async Task A_timeout_kills_the_capsule_through_exec()
    {
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(KubeDoubleFixture.Pod, args: new[] { "-d", "1", "-n", "1000" }, timeout: TimeSpan.FromSeconds(3), registry: KubeDoubleFixture.KillRegistry));
        Assert.Equal(CapsuleErrorKind.Timeout, ex.Kind);
        Assert.Equal(KubeDoubleFixture.Pod, ex.Target);

        // Killed by pkill through pods/exec, well before its own deadline (3 s + 5 s).
        Assert.Contains(Server.Requests, r => r.Verb == "create" && r.Resource == "pods/exec");
        var kill = Server.Execs[^1];
        Assert.Equal("pkill", kill.Command[0]);
        Assert.StartsWith("capsule-top-", kill.Container, StringComparison.Ordinal);
        var deadline = DateTime.UtcNow.AddSeconds(3);
        V1ContainerStatus? last = null;
        while (DateTime.UtcNow < deadline)
        {
            last = Server.Pods.Get("default", KubeDoubleFixture.Pod)!.Pod.Status.EphemeralContainerStatuses.Last();
            if (last.State.Terminated is not null)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(137, last?.State.Terminated?.ExitCode);
    }

    [Fact]
    public async Task Unknown_pod_is_TargetNotFound()
    {
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync("no-such-pod"));
        Assert.Equal(CapsuleErrorKind.TargetNotFound, ex.Kind);
        Assert.Equal("no-such-pod", ex.Target);
        Assert.Contains("No pod named 'no-such-pod' exists in namespace 'default'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pending_pod_is_TargetNotRunning()
    {
        await Server.CreatePodAsync("default", "pending-1", new[] { new KubeApiServer.ContainerSpec("app", TestEngines.SampleImage) }, start: false);
        try
        {
            var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync("pending-1"));
            Assert.Equal(CapsuleErrorKind.TargetNotRunning, ex.Kind);
            Assert.Contains("Pod 'default/pending-1' is Pending, not Running", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Server.Requests, r => r.Path.EndsWith("/pending-1/ephemeralcontainers", StringComparison.Ordinal));
        }
        finally
        {
            await Server.DeletePodAsync("default", "pending-1");
        }
    }

    [Fact]
    public async Task Unknown_target_container_is_TargetNotFound_with_the_pods_containers()
    {
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(KubeDoubleFixture.Pod, targetContainer: "nope"));
        Assert.Equal(CapsuleErrorKind.TargetNotFound, ex.Kind);
        Assert.Equal("default/web-1/nope", ex.Target);
        Assert.Contains("has no container named 'nope'; its containers are: app", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disabled_ephemeral_containers_are_NotSupported()
    {
        Server.EphemeralContainersEnabled = false;
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(KubeDoubleFixture.Pod));
        Assert.Equal(CapsuleErrorKind.NotSupported, ex.Kind);
        Assert.Contains("no pods/ephemeralcontainers subresource (404", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("get", "pods")]
    [InlineData("patch", "pods/ephemeralcontainers")]
    [InlineData("watch", "pods")]
    [InlineData("get", "pods/log")]
    public async Task Each_verb_of_the_Role_is_needed_and_its_absence_is_named(string verb, string resource)
    {
        Server.Role = Role.RunEscape.Without(verb, resource);
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(KubeDoubleFixture.Pod));
        Assert.Equal(CapsuleErrorKind.PermissionDenied, ex.Kind);
        Assert.Equal($"{verb} {resource}", ex.Target);
        Assert.Contains($"RunEscape may not '{verb}' '{resource}' in namespace 'default'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"cannot {verb} resource \"{resource}\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pod_Security_rejection_surfaces_the_API_message()
    {
        Server.SetPodSecurity("default", "restricted");
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(KubeDoubleFixture.Pod));
        Assert.Equal(CapsuleErrorKind.PolicyRejected, ex.Kind);
        Assert.Contains("violates PodSecurity \"restricted:latest\": runAsNonRoot != true", ex.Message, StringComparison.Ordinal);
        // Everything else the restricted level asks of the capsule is already set.
        Assert.DoesNotContain("allowPrivilegeEscalation", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("seccompProfile", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("capabilities", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Baseline_Pod_Security_admits_the_top_capsule()
    {
        Server.SetPodSecurity("default", "baseline");
        var result = await InvokeAsync(KubeDoubleFixture.Pod);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task An_image_the_cluster_cannot_pull_fails_fast_with_the_reason()
    {
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(KubeDoubleFixture.Pod, registry: "registry.invalid:5000", timeout: TimeSpan.FromSeconds(30)));
        Assert.Equal(CapsuleErrorKind.ImageNotFound, ex.Kind);
        Assert.Equal($"registry.invalid:5000/runescape/capsule-procps:{TestEngines.Version}", ex.Target);
        Assert.Contains("(ErrImagePull: failed to pull", ex.Message, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task A_runAsNonRoot_target_with_a_root_image_fails_fast_with_CreateContainerConfigError()
    {
        var entry = Server.Pods.Get("default", KubeDoubleFixture.Pod)!;
        Server.Pods.Update(entry, p => p.Spec.Containers[0].SecurityContext = new V1SecurityContext { RunAsNonRoot = true });
        try
        {
            var sw = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(KubeDoubleFixture.Pod));
            Assert.Equal(CapsuleErrorKind.PolicyRejected, ex.Kind);
            Assert.Contains("CreateContainerConfigError: container has runAsNonRoot and image will run as root", ex.Message, StringComparison.Ordinal);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
        }
        finally
        {
            Server.Pods.Update(entry, p => p.Spec.Containers[0].SecurityContext = null);
        }
    }

    [Fact]
    public async Task An_unreachable_API_server_is_EngineUnreachable()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kube-unreachable-{Guid.NewGuid():N}.kubeconfig");
        var closed = new Uri("http://127.0.0.1:" + FreePort());
        await File.WriteAllTextAsync(path, Server.Kubeconfig().Replace(Server.Url.ToString().TrimEnd('/'), closed.ToString().TrimEnd('/'), StringComparison.Ordinal));
        try
        {
            using var runtime = new KubernetesRuntime(new KubernetesOptions { Kubeconfig = path });
            var invoker = new CapsuleInvoker(runtime, CapsuleCatalog.Builtin);
            var ex = await Assert.ThrowsAsync<CapsuleException>(() => invoker.InvokeAsync(new CapsuleRequest { Utility = "top", Target = "web-1" }, CancellationToken.None));
            Assert.Equal(CapsuleErrorKind.EngineUnreachable, ex.Kind);
            Assert.Equal(closed.ToString().TrimEnd('/'), ex.Target);
            Assert.Contains("cannot be reached", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Wildcards_and_selectors_expand_to_pods_of_the_namespace()
    {
        using var runtime = Runtime();
        Assert.Equal(new[] { "default/web-1" }, await runtime.ExpandPodsAsync(new[] { "web-*" }, null, null, CancellationToken.None));
        Assert.Equal(new[] { "default/web-1" }, await runtime.ExpandPodsAsync(Array.Empty<string>(), "app=web", null, CancellationToken.None));
        Assert.Equal(new[] { "other/web-2" }, await runtime.ExpandPodsAsync(new[] { "web-2" }, null, "other", CancellationToken.None));
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => runtime.ExpandPodsAsync(Array.Empty<string>(), "app=none", null, CancellationToken.None));
        Assert.Equal(CapsuleErrorKind.TargetNotFound, ex.Kind);
    }

    [Fact]
    public async Task A_privileged_capsule_asks_for_privileged_and_baseline_Pod_Security_refuses_it()
    {
        Server.SetPodSecurity("default", "baseline");
        using var runtime = Runtime();
        var invoker = new CapsuleInvoker(runtime, CapsuleCatalog.Builtin, RunEscape.Security.CapsulePolicy.Open);
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => invoker.InvokeAsync(
            new CapsuleRequest { Utility = "uptime", Target = KubeDoubleFixture.Pod, Privileged = true }, CancellationToken.None));
        Assert.Equal(CapsuleErrorKind.PolicyRejected, ex.Kind);
        Assert.Contains("privileged", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ephemeral_container_of_a_privileged_or_pinned_launch()
    {
        const string Pin = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
        var target = new RunEscape.Targets.CapsuleTargetInfo("id", "web-1", "img", "running", true, string.Empty, "kubernetes", "x", string.Empty);
        CapsuleLaunch Launch(bool privileged, string? pin) => new()
        {
            Name = "n", Image = "registry.example.com/runescape/capsule-procps:1", ImageDigest = pin, Privileged = privileged,
            Command = new[] { "timeout", "ps" }, Environment = new Dictionary<string, string>(),
            Labels = new Dictionary<string, string> { [CapsuleLabels.Argv] = "[\"ps\"]" }, Target = target,
            Namespaces = new[] { "pid" }, Capabilities = new[] { "SYS_PTRACE" }, Utility = "ps", Deadline = DateTimeOffset.UtcNow,
        };

        var plain = KubernetesRuntime.BuildCapsule(Launch(false, null), "n", "app", null);
        Assert.False(plain.SecurityContext.Privileged);
        Assert.Equal(new[] { "ALL" }, plain.SecurityContext.Capabilities.Drop);
        Assert.Equal(new[] { "SYS_PTRACE" }, plain.SecurityContext.Capabilities.Add);
        Assert.Equal("registry.example.com/runescape/capsule-procps:1", plain.Image);
        Assert.Contains(plain.Env, e => e.Name == KubernetesRuntime.ArgvVariable && e.Value == "[\"ps\"]");
        Assert.DoesNotContain(plain.Env, e => e.Name == KubernetesRuntime.PrivilegedVariable);

        var privileged = KubernetesRuntime.BuildCapsule(Launch(true, Pin), "n", "app", null);
        Assert.True(privileged.SecurityContext.Privileged);
        Assert.True(privileged.SecurityContext.AllowPrivilegeEscalation);
        Assert.Null(privileged.SecurityContext.Capabilities);
        Assert.Contains(privileged.Env, e => e.Name == KubernetesRuntime.PrivilegedVariable && e.Value == "true");
        // A pinned image goes to the kubelet with its digest, which the kubelet enforces.
        Assert.Equal("registry.example.com/runescape/capsule-procps:1@" + Pin, privileged.Image);
    }

    [Fact]
    public async Task A_pod_log_past_the_output_cap_is_cut_at_the_cap_and_asked_for_with_limitBytes()
    {
        // 3 MiB of NUL bytes from BusyBox's head, read with a 1 MiB cap.
        const string Json = """
            {"schemaVersion":"1.0","utilities":[{"name":"flood","image":"runescape/capsule-busybox:{version}",
             "command":["head","-c","3145728","/dev/zero"],"parser":"lines","namespaces":["pid"],"timeoutSec":60}]}
            """;
        var catalog = CapsuleCatalog.Create(CapsuleCatalog.Parse(Json, "flood.json"));
        using var runtime = Runtime();
        var invoker = new CapsuleInvoker(runtime, catalog, RunEscape.Security.CapsulePolicy.Open);
        Server.ClearRequests();

        var result = await invoker.InvokeAsync(
            new CapsuleRequest { Utility = "flood", Target = KubeDoubleFixture.Pod, Raw = true, MaxOutputBytes = 1024 * 1024 }, CancellationToken.None);

        Assert.True(result.OutputTruncated);
        Assert.Equal(OutputLimit.Bytes, result.OutputTruncatedBy);
        Assert.Equal(1024 * 1024, result.StandardOutput.Length);
        var log = Assert.Single(Server.Requests, r => r.Resource == "pods/log");
        Assert.Contains("limitBytes=1048577", log.Query, StringComparison.Ordinal);
        Assert.Contains("follow=true", log.Query, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_pod_capsule_printing_without_end_is_killed_at_the_output_cap_not_left_to_its_deadline(bool lineCap)
    {
        // top every 0.1 s for hours: the log is followed while it runs, and at the cap (4 KiB, or
        // 40 lines) the capsule is killed through pods/exec, long before its 120 s deadline.
        using var runtime = Runtime();
        var invoker = new CapsuleInvoker(runtime, CapsuleCatalog.Builtin);
        Server.ClearRequests();
        var sw = Stopwatch.StartNew();

        var result = await invoker.InvokeAsync(
            new CapsuleRequest
            {
                Utility = "top", Target = KubeDoubleFixture.Pod, ArgumentList = new[] { "-d", "0.1", "-n", "100000" }, Timeout = TimeSpan.FromSeconds(120),
                Registry = KubeDoubleFixture.KillRegistry, Raw = true,
                MaxOutputBytes = lineCap ? CapsuleRequest.DefaultMaxOutputBytes : 4096, MaxOutputLines = lineCap ? 40 : CapsuleRequest.DefaultMaxOutputLines,
            },
            CancellationToken.None);

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(40), $"took {sw.Elapsed}");
        Assert.True(result.OutputTruncated);
        if (lineCap)
        {
            Assert.Equal(OutputLimit.Lines, result.OutputTruncatedBy);
            Assert.Equal(40, result.StandardOutput.Count(c => c == '\n'));
        }
        else
        {
            Assert.Equal(OutputLimit.Bytes, result.OutputTruncatedBy);
            Assert.Equal(4096, System.Text.Encoding.UTF8.GetByteCount(result.StandardOutput));
        }

        Assert.Equal(137, result.ExitCode);
        var log = Assert.Single(Server.Requests, r => r.Resource == "pods/log");
        Assert.Contains("follow=true", log.Query, StringComparison.Ordinal);
        var kill = Assert.Single(Server.Execs, e => e.Container == result.CapsuleName);
        Assert.Equal("pkill", kill.Command[0]);
        var status = Server.Pods.Get("default", KubeDoubleFixture.Pod)!.Pod.Status.EphemeralContainerStatuses.Single(s => s.Name == result.CapsuleName);
        Assert.Equal(137, status.State.Terminated?.ExitCode);
    }

    [Fact]
    public async Task The_BusyBox_capsule_carries_pkill_and_is_killed_at_the_cap_whatever_its_argv_holds()
    {
        // awk printing without end, with a tab and a newline in its program, a non-ASCII argument
        // and an empty one last (awk never opens them): pkill -f reads all of them from
        // /proc/PID/cmdline, byte by byte in the capsule's C locale.
        const string Json = """
            {"schemaVersion":"1.0","utilities":[{"name":"spew","image":"runescape/capsule-busybox:{version}",
             "command":["awk","BEGIN{while(1) print \"x\ty\"}\n"],"parser":"lines","namespaces":["pid"],"timeoutSec":120}]}
            """;
        var catalog = CapsuleCatalog.Create(CapsuleCatalog.Parse(Json, "spew.json"));
        using var runtime = Runtime();
        var invoker = new CapsuleInvoker(runtime, catalog, RunEscape.Security.CapsulePolicy.Open);
        var sw = Stopwatch.StartNew();

        var result = await invoker.InvokeAsync(
            new CapsuleRequest { Utility = "spew", Target = KubeDoubleFixture.Pod, Raw = true, MaxOutputLines = 1000, ArgumentList = new[] { "café", "" } }, CancellationToken.None);

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
        Assert.Equal(OutputLimit.Lines, result.OutputTruncatedBy);
        Assert.Null(result.CleanupFailure);
        Assert.Equal(137, result.ExitCode);
        Assert.Equal(1000, result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task A_capsule_that_cannot_be_killed_at_the_cap_is_reported_not_claimed_stopped()
    {
        const string Json = """
            {"schemaVersion":"1.0","utilities":[{"name":"spew-nopkill","image":"{image}",
             "command":["yes"],"parser":"lines","namespaces":["pid"],"timeoutSec":20}]}
            """;
        var catalog = CapsuleCatalog.Create(CapsuleCatalog.Parse(Json.Replace("{image}", KubeDoubleFixture.NoPkillImage, StringComparison.Ordinal), "nopkill.json"));
        using var runtime = Runtime();
        var invoker = new CapsuleInvoker(runtime, catalog, RunEscape.Security.CapsulePolicy.Open);
        var sw = Stopwatch.StartNew();

        var result = await invoker.InvokeAsync(
            new CapsuleRequest { Utility = "spew-nopkill", Target = KubeDoubleFixture.Pod, Raw = true, MaxOutputLines = 100 }, CancellationToken.None);

        // Told at once (3 s of grace, not the 20 s a successful kill may take), and told the truth.
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(12), $"took {sw.Elapsed}");
        Assert.True(result.OutputTruncated);
        Assert.NotNull(result.CleanupFailure);
        Assert.Contains("could not be stopped at the output cap (the capsule image has no pkill)", result.CleanupFailure, StringComparison.Ordinal);
        Assert.Contains("runs until its own deadline", result.CleanupFailure, StringComparison.Ordinal);

        // Its own deadline (20 s + 5 s) ends it.
        var deadline = DateTime.UtcNow.AddSeconds(40);
        V1ContainerStatus? status = null;
        while (DateTime.UtcNow < deadline)
        {
            status = Server.Pods.Get("default", KubeDoubleFixture.Pod)!.Pod.Status.EphemeralContainerStatuses.Single(s => s.Name == result.CapsuleName);
            if (status.State.Terminated is not null)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.NotNull(status?.State.Terminated);
    }

    [Theory]
    [InlineData(new[] { "top", "-b" }, "top -b *")]
    [InlineData(new[] { "awk", "a+b(c)[d]{2}^$|.*?\\" }, "awk a\\+b\\(c\\)\\[d\\]\\{2\\}\\^\\$\\|\\.\\*\\?\\\\ *")]
    [InlineData(new[] { "x", "a\tb\nc" }, "x a.b.c *")]
    [InlineData(new[] { "#", "é €😀\u0085" }, "# .{1,2} .{1,3}.{1,4}.{1,2} *")]
    [InlineData(new[] { "yes", "", "" }, "yes *")]
    [InlineData(new[] { "a", "", "b" }, "a  b *")]
    public void The_pkill_pattern_escapes_ERE_metacharacters_and_matches_control_characters_with_a_dot(string[] argv, string expected)
    {
        Assert.Equal(expected, KubernetesRuntime.PkillPattern(argv));
    }

    [Fact]
    public async Task A_fan_out_across_pods_tags_each_result_and_a_missing_pod_does_not_stop_the_others()
    {
        var pods = new[] { "fan-a", "fan-b" };
        foreach (var name in pods)
        {
            await Server.CreatePodAsync("default", name, new[] { new KubeApiServer.ContainerSpec("app", TestEngines.SampleImage) }, new Dictionary<string, string> { ["app"] = "fan" });
        }

        try
        {
            using var runtime = Runtime();
            var targets = (await runtime.ExpandPodsAsync(Array.Empty<string>(), "app=fan", null, CancellationToken.None)).Append("default/fan-missing").ToList();
            var outcomes = new List<CapsuleOutcome>();
            using var batch = new CapsuleBatch(3, CancellationToken.None);
            var invoker = new CapsuleInvoker(runtime, CapsuleCatalog.Builtin, RunEscape.Security.CapsulePolicy.Open);
            foreach (var t in targets)
            {
                batch.Start(t, token => invoker.InvokeAsync(new CapsuleRequest { Utility = "uptime", Target = t }, token), outcomes.Add);
            }

            batch.WaitAll(outcomes.Add);
            Assert.Equal(3, outcomes.Count);
            Assert.Equal(CapsuleErrorKind.TargetNotFound, Assert.IsType<CapsuleException>(Assert.Single(outcomes, o => o.Target == "default/fan-missing").Error).Kind);
            foreach (var name in pods)
            {
                var result = Assert.Single(outcomes, o => o.Target == "default/" + name).Result!;
                Assert.Equal(0, result.ExitCode);
                Assert.All(result.Records, r => Assert.Equal(name, r.Target));
            }
        }
        finally
        {
            foreach (var name in pods)
            {
                await Server.DeletePodAsync("default", name);
            }
        }
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
