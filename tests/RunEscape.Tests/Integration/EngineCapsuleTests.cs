using RunEscape.Catalog;
using RunEscape.Lifecycle;
using RunEscape.Parsers;
using RunEscape.Runtimes.Engine;

namespace RunEscape.Tests.Integration;

/// <summary>
/// The main job on real engines: the same test code runs against Docker Engine and Podman.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EngineCapsuleTests
{
    private static async Task<CapsuleResult> InvokeAsync(string engine, string utility, string target, IReadOnlyList<string>? args = null, TimeSpan? timeout = null, CapsuleCatalog? catalog = null, CancellationToken cancellationToken = default)
    {
        using var runtime = new EngineRuntime(TestEngines.Endpoint(engine));
        var invoker = new CapsuleInvoker(runtime, catalog ?? CapsuleCatalog.Builtin);
        return await invoker.InvokeAsync(
            new CapsuleRequest { Utility = utility, Target = target, ArgumentList = args ?? Array.Empty<string>(), Timeout = timeout },
            cancellationToken);
    }

    private static async Task AssertNoCapsuleLeftAsync(string engine, string target)
    {
        var left = await TestEngines.CapsulesAsync(engine, target);
        Assert.True(left.Count == 0, $"capsules left on {engine} for {target}: {string.Join(", ", left.Select(c => c.Names?.FirstOrDefault() + " " + c.State))}");
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Top_capsule_sees_the_targets_processes_and_the_burner_sorts_first(string engine)
    {
        var target = await TestEngines.StartSampleTargetAsync(engine, "it-top");
        try
        {
            await Task.Delay(1500);
            var result = await InvokeAsync(engine, "top", target);

            Assert.Equal(0, result.ExitCode);
            Assert.Equal(engine, result.Engine);
            var processes = result.Items.Cast<TopProcess>().ToList();
            Assert.All(processes, p => Assert.Equal("procps", p.Variant));
            var first = processes.OrderByDescending(p => p.CPU).First();
            Assert.Equal("md5sum /dev/zero", first.Command);
            Assert.True(first.CPU > 0, $"burner CPU was {first.CPU}");

            // The capsule joined the target's PID namespace: the target's PID 1 is in the list.
            var init = Assert.Single(processes, p => p.PID == 1);
            Assert.StartsWith("/usr/bin/xargs -a /etc/sample/jobs", init.Command, StringComparison.Ordinal);
            Assert.Contains(processes, p => p.Command == "sleep 100000");
            Assert.Contains("pid", result.SharedNamespaces);
            Assert.Contains("net", result.SharedNamespaces);

            var summary = Assert.IsType<TopSummary>(Assert.Single(result.Summary));
            Assert.True(summary.TasksTotal >= 4);
            Assert.All(result.Records, r => Assert.Equal(target, r.Target));
            Assert.True(result.Timings.Total > TimeSpan.Zero);
            await AssertNoCapsuleLeftAsync(engine, target);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task BusyBox_top_capsule_reads_the_same_target(string engine)
    {
        var target = await TestEngines.StartSampleTargetAsync(engine, "it-bbtop");
        try
        {
            await Task.Delay(1500);
            var result = await InvokeAsync(engine, "top-busybox", target);
            var processes = result.Items.Cast<TopProcess>().ToList();
            Assert.All(processes, p => Assert.Equal("busybox", p.Variant));
            Assert.Equal("md5sum /dev/zero", processes.OrderByDescending(p => p.CPU).First().Command);
            Assert.Contains(processes, p => p.PID == 1 && p.ParentPID == 0);
            await AssertNoCapsuleLeftAsync(engine, target);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task A_forced_timeout_stops_and_removes_the_capsule(string engine)
    {
        var target = await TestEngines.StartSampleTargetAsync(engine, "it-timeout");
        try
        {
            // top refreshing every second for 1000 iterations never finishes within 2 s.
            var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(engine, "top", target, new[] { "-d", "1", "-n", "1000" }, TimeSpan.FromSeconds(2)));
            Assert.Equal(CapsuleErrorKind.Timeout, ex.Kind);
            Assert.Equal(target, ex.Target);
            await AssertNoCapsuleLeftAsync(engine, target);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Cancelling_mid_run_removes_the_capsule(string engine)
    {
        var target = await TestEngines.StartSampleTargetAsync(engine, "it-cancel");
        try
        {
            using var cts = new CancellationTokenSource();
            var run = InvokeAsync(engine, "top", target, new[] { "-d", "1", "-n", "1000" }, TimeSpan.FromSeconds(60), cancellationToken: cts.Token);
            // Wait until the capsule exists, then stop, as Ctrl+C would.
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while ((await TestEngines.CapsulesAsync(engine, target)).Count == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.NotEmpty(await TestEngines.CapsulesAsync(engine, target));
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            await AssertNoCapsuleLeftAsync(engine, target);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Unknown_container_is_TargetNotFound(string engine)
    {
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(engine, "top", "no-such-container-" + Guid.NewGuid().ToString("N")[..6]));
        Assert.Equal(CapsuleErrorKind.TargetNotFound, ex.Kind);
        Assert.StartsWith("no-such-container-", (string)ex.Target!, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Stopped_container_is_TargetNotRunning_and_leaves_nothing(string engine)
    {
        var target = await TestEngines.CreateStoppedTargetAsync(engine, "it-stopped");
        try
        {
            var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(engine, "top", target));
            Assert.Equal(CapsuleErrorKind.TargetNotRunning, ex.Kind);
            Assert.Equal(target, ex.Target);
            await AssertNoCapsuleLeftAsync(engine, target);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Unknown_utility_is_UtilityNotFound_before_anything_is_created(string engine)
    {
        var target = await TestEngines.StartSampleTargetAsync(engine, "it-noutil");
        try
        {
            var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(engine, "no-such-tool", target));
            Assert.Equal(CapsuleErrorKind.UtilityNotFound, ex.Kind);
            Assert.Equal("no-such-tool", ex.Target);
            await AssertNoCapsuleLeftAsync(engine, target);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Missing_capsule_image_is_ImageNotFound_naming_the_build_task(string engine)
    {
        var target = await TestEngines.StartSampleTargetAsync(engine, "it-noimage");
        try
        {
            var missing = new CapsuleUtility("top", "test", "runescape/capsule-missing:0.0.0-none", new[] { "top", "-b", "-n", "1" }, new Dictionary<string, string>(), "top", new[] { "pid" }, Array.Empty<string>(), 30, "test");
            var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(engine, "top", target, catalog: CapsuleCatalog.Create(new[] { missing })));
            Assert.Equal(CapsuleErrorKind.ImageNotFound, ex.Kind);
            Assert.Equal("runescape/capsule-missing:0.0.0-none", ex.Target);
            Assert.Contains("build.ps1 Capsules", ex.RecommendedAction, StringComparison.Ordinal);
            await AssertNoCapsuleLeftAsync(engine, target);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Fact]
    public async Task Unreachable_engine_is_EngineUnreachable()
    {
        var socket = "unix:///tmp/runescape-no-engine-" + Guid.NewGuid().ToString("N")[..6] + ".sock";
        using var runtime = new EngineRuntime(new Uri(socket));
        var invoker = new CapsuleInvoker(runtime, CapsuleCatalog.Builtin);
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => invoker.InvokeAsync(new CapsuleRequest { Utility = "top", Target = "web-1" }, CancellationToken.None));
        Assert.Equal(CapsuleErrorKind.EngineUnreachable, ex.Kind);
        Assert.Contains("runescape-no-engine-", (string)ex.Target!, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Capsules_are_labelled_listed_and_removable(string engine)
    {
        // A capsule left behind (e.g. by a killed client) is found by label and removed.
        var target = await TestEngines.StartSampleTargetAsync(engine, "it-list");
        try
        {
            using var client = TestEngines.Client(engine);
            var created = DateTimeOffset.UtcNow;
            var orphan = await client.Containers.CreateContainerAsync(new Docker.DotNet.Models.CreateContainerParameters
            {
                Name = "capsule-top-" + target + "-orphan",
                Image = $"runescape/capsule-busybox:{TestEngines.Version}",
                Entrypoint = new List<string> { "sleep", "300" },
                Labels = new Dictionary<string, string>
                {
                    [CapsuleLabels.Marker] = "true",
                    [CapsuleLabels.Target] = target,
                    [CapsuleLabels.Utility] = "top",
                    [CapsuleLabels.Created] = created.ToString("o"),
                    [CapsuleLabels.Deadline] = created.AddSeconds(-1).ToString("o"),
                },
            });

            using var runtime = new EngineRuntime(TestEngines.Endpoint(engine));
            var listed = Assert.Single(await runtime.ListCapsulesAsync(CancellationToken.None), c => c.Target == target);
            Assert.Equal(orphan.ID, listed.Id);
            Assert.Equal("top", listed.Utility);
            Assert.True(listed.Expired);
            Assert.Equal(engine, listed.Engine);

            Assert.True(await runtime.RemoveCapsuleAsync(listed.Id, CancellationToken.None));
            Assert.False(await runtime.RemoveCapsuleAsync(listed.Id, CancellationToken.None));
            await AssertNoCapsuleLeftAsync(engine, target);

            // Remove-Capsule never removes a container that is not a capsule.
            var ex = await Assert.ThrowsAsync<CapsuleException>(() => runtime.RemoveCapsuleAsync(target, CancellationToken.None));
            Assert.Equal(CapsuleErrorKind.InvalidArgument, ex.Kind);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Capsules_leave_no_zombie_in_a_target_whose_PID_1_never_reaps(string engine)
    {
        // PID 1 of many real images never waits for children it did not start. Capsule processes
        // live in the target's PID namespace: any of them orphaned there would stay a zombie.
        var target = await TestEngines.StartSampleTargetAsync(engine, "it-zombie", new List<string> { "/usr/bin/sleep", "100000" });
        try
        {
            await InvokeAsync(engine, "top", target);
            await InvokeAsync(engine, "top-busybox", target);
            await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(engine, "top", target, new[] { "-d", "1", "-n", "1000" }, TimeSpan.FromSeconds(2)));
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => InvokeAsync(engine, "top", target, new[] { "-d", "1", "-n", "1000" }, TimeSpan.FromSeconds(60), cancellationToken: cts.Token));
            }

            var after = await InvokeAsync(engine, "top", target);
            var processes = after.Items.Cast<TopProcess>().ToList();
            Assert.Contains(processes, p => p.PID == 1 && p.Command == "/usr/bin/sleep 100000");
            var zombies = processes.Where(p => p.State.StartsWith('Z')).Select(p => $"{p.PID} {p.Command}").ToList();
            Assert.True(zombies.Count == 0, "zombies left in the target: " + string.Join(", ", zombies));
            await AssertNoCapsuleLeftAsync(engine, target);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task A_paused_target_is_TargetNotRunning_with_unpause_advice(string engine)
    {
        var target = await TestEngines.StartSampleTargetAsync(engine, "it-paused");
        try
        {
            using (var client = TestEngines.Client(engine))
            {
                await client.Containers.PauseContainerAsync(target);
            }

            var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(engine, "top", target));
            Assert.Equal(CapsuleErrorKind.TargetNotRunning, ex.Kind);
            Assert.Contains("unpause", ex.RecommendedAction, StringComparison.Ordinal);
            await AssertNoCapsuleLeftAsync(engine, target);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task A_target_that_stops_while_the_capsule_runs_is_TargetNotRunning(string engine)
    {
        var target = await TestEngines.StartSampleTargetAsync(engine, "it-dies", new List<string> { "/usr/bin/sleep", "10" });
        try
        {
            var ex = await Assert.ThrowsAsync<CapsuleException>(() => InvokeAsync(engine, "top", target, new[] { "-d", "1", "-n", "1000" }, TimeSpan.FromSeconds(60)));
            Assert.Equal(CapsuleErrorKind.TargetNotRunning, ex.Kind);
            Assert.Contains("while the 'top' capsule ran", ex.Message, StringComparison.Ordinal);
            await AssertNoCapsuleLeftAsync(engine, target);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }
}
