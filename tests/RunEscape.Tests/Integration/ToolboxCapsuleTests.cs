using RunEscape.Catalog;
using RunEscape.Lifecycle;
using RunEscape.Parsers;
using RunEscape.Parsing;
using RunEscape.Runtimes.Engine;

namespace RunEscape.Tests.Integration;

/// <summary>
/// The process and memory utilities of the catalog (ps, free, uptime, vmstat, meminfo, loadavg; procps
/// and BusyBox), each run through a real capsule against the sample target on every engine. The
/// target runs a known command line (<c>md5sum /dev/zero</c>, <c>sleep 100000</c> under
/// <c>/usr/bin/xargs -a /etc/sample/jobs …</c>), so the objects can be checked against it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ToolboxCapsuleTests
{
    private static async Task<CapsuleResult> InvokeAsync(string engine, string utility, string target)
    {
        using var runtime = new EngineRuntime(TestEngines.Endpoint(engine));
        var invoker = new CapsuleInvoker(runtime, CapsuleCatalog.Builtin);
        var result = await invoker.InvokeAsync(new CapsuleRequest { Utility = utility, Target = target, ArgumentList = Array.Empty<string>() }, CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"{utility} on {engine}: exit {result.ExitCode}: {result.StandardError}");
        Assert.True(result.ParseIssues.Count == 0, $"{utility} on {engine}: " + string.Join(" | ", result.ParseIssues));
        Assert.All(result.Records, r => Assert.Equal(target, r.Target));
        Assert.All(result.Records, r => Assert.False(string.IsNullOrEmpty(r.SourceLine)));
        return result;
    }

    private static async Task WithTargetAsync(string engine, string prefix, Func<string, Task> body)
    {
        var target = await TestEngines.StartSampleTargetAsync(engine, prefix);
        try
        {
            await Task.Delay(1500);
            await body(target);
            var left = await TestEngines.CapsulesAsync(engine, target);
            Assert.True(left.Count == 0, $"capsules left on {engine} for {target}");
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Ps_capsules_show_the_targets_known_command_lines(string engine)
    {
        await WithTargetAsync(engine, "it3a-ps", async target =>
        {
            // procps-ng ps
            var procs = (await InvokeAsync(engine, "ps", target)).Items.Cast<PsProcess>().ToList();
            Assert.All(procs, p => Assert.Equal("procps", p.Variant));
            var init = Assert.Single(procs, p => p.PID == 1);
            Assert.Equal("/usr/bin/xargs -a /etc/sample/jobs -P 8 -L 1 /usr/bin/env", init.Command);
            Assert.Equal(0, init.ParentPID);
            Assert.Equal("root", init.User);
            var burner = Assert.Single(procs, p => p.Command == "md5sum /dev/zero");
            Assert.Equal(1, burner.ParentPID);
            // ps's %CPU is CPU time over lifetime; on a busy host the burner may get little, but more than the sleepers.
            Assert.True(burner.CPU > 0, $"burner %CPU {burner.CPU}");
            Assert.True(burner.VirtualMemory > 0 && burner.ResidentMemory > 0);
            Assert.StartsWith("R", burner.State, StringComparison.Ordinal);
            Assert.True(burner.Elapsed > TimeSpan.Zero);
            Assert.NotNull(burner.CpuTime);
            Assert.Contains(procs, p => p.Command == "sleep 100000" && p.ParentPID == 1 && !p.IsZombie && !p.IsKernelThread);
            Assert.Contains(procs, p => p.Command == "sleep 99999");
            // Among the target's own processes (not the capsule's: its timeout has PPID 0, ps is timeout's child).
            var capsule = procs.Where(p => p.ParentPID == 0 && p.PID != 1).Select(p => p.PID).ToHashSet();
            Assert.Contains(procs, p => capsule.Contains(p.ParentPID ?? -1) && p.Command.StartsWith("ps ", StringComparison.Ordinal));
            var own = procs.Where(p => !capsule.Contains(p.PID) && !capsule.Contains(p.ParentPID ?? -1)).ToList();
            Assert.Equal(4, own.Count);
            Assert.Equal("md5sum /dev/zero", own.OrderByDescending(p => p.CPU).First().Command);

            // BusyBox ps
            var bb = (await InvokeAsync(engine, "ps-busybox", target)).Items.Cast<PsProcess>().ToList();
            Assert.All(bb, p => Assert.Equal("busybox", p.Variant));
            Assert.Contains(bb, p => p.PID == 1 && p.ParentPID == 0 && p.Command == "/usr/bin/xargs -a /etc/sample/jobs -P 8 -L 1 /usr/bin/env");
            var bbBurner = Assert.Single(bb, p => p.Command == "md5sum /dev/zero");
            Assert.Equal(burner.PID, bbBurner.PID);
            Assert.True(bbBurner.VirtualMemory > 0);
            Assert.Contains(bb, p => p.Command == "sleep 100000");
        });
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Memory_and_load_capsules_agree_with_each_other(string engine)
    {
        await WithTargetAsync(engine, "it3a-mem", async target =>
        {
            var meminfo = Assert.IsType<MemInfo>(Assert.Single((await InvokeAsync(engine, "meminfo", target)).Items));
            Assert.True(meminfo.MemTotal > 0);
            Assert.True(meminfo.MemAvailable > 0 && meminfo.MemAvailable <= meminfo.MemTotal);
            Assert.True(meminfo.Entries.Count > 20);

            foreach (var (utility, variant) in new[] { ("free", "procps"), ("free-busybox", "busybox") })
            {
                var rows = (await InvokeAsync(engine, utility, target)).Items.Cast<FreeMemory>().ToList();
                Assert.All(rows, r => Assert.Equal(variant, r.Variant));
                var mem = Assert.Single(rows, r => r.Kind == "Mem");
                Assert.Contains(rows, r => r.Kind == "Swap");

                // Both read the kernel's total (KiB): equal within rounding (1 MiB).
                Assert.True(Math.Abs(mem.Total!.Value - meminfo.MemTotal!.Value) <= Units.MiB, $"{utility} total {mem.Total} vs MemTotal {meminfo.MemTotal}");
                Assert.True(mem.Used > 0 && mem.Free > 0 && mem.Available > 0);
                Assert.True(mem.Free <= mem.Total && mem.Available <= mem.Total);
            }

            foreach (var (utility, variant) in new[] { ("uptime", "procps"), ("uptime-busybox", "busybox") })
            {
                var up = Assert.IsType<UptimeInfo>(Assert.Single((await InvokeAsync(engine, utility, target)).Items));
                Assert.Equal(variant, up.Variant);
                Assert.True(up.Uptime >= TimeSpan.Zero);
                Assert.NotNull(up.Time);
                Assert.True(up.LoadAverage1 >= 0 && up.LoadAverage5 >= 0 && up.LoadAverage15 >= 0);
            }

            var load = Assert.IsType<LoadAverage>(Assert.Single((await InvokeAsync(engine, "loadavg", target)).Items));
            Assert.True(load.LoadAverage1 >= 0 && load.LoadAverage5 >= 0 && load.LoadAverage15 >= 0);
            Assert.True(load.RunnableTasks >= 1, "at least the burner is runnable");
            Assert.True(load.TotalTasks >= load.RunnableTasks);

            var samples = (await InvokeAsync(engine, "vmstat", target)).Items.Cast<VmstatSample>().ToList();
            Assert.Equal(2, samples.Count);
            Assert.Equal(new[] { 0, 1 }, samples.Select(s => s.Sample));
            foreach (var s in samples)
            {
                Assert.Equal("procps", s.Variant);
                Assert.True(s.MemoryFree > 0 && s.MemoryFree <= meminfo.MemTotal);
                var cpu = s.CpuUser + s.CpuSystem + s.CpuIdle + s.CpuIOWait + (s.CpuSteal ?? 0) + (s.CpuGuest ?? 0);
                Assert.True(cpu is >= 95 and <= 105, $"vmstat CPU columns sum to {cpu}");
                Assert.NotNull(s.Timestamp);
                Assert.True(Math.Abs((s.Timestamp!.Value - DateTimeOffset.UtcNow).TotalMinutes) < 10, $"vmstat timestamp {s.Timestamp} is not now (UTC)");
            }

            Assert.True(samples[1].ProcessesRunnable >= 1, "the burner is runnable during the 1-second sample");
        });
    }
}
