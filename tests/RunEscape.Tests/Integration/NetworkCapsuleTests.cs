using Docker.DotNet.Models;
using RunEscape.Catalog;
using RunEscape.Lifecycle;
using RunEscape.Parsers.Network;
using RunEscape.Runtimes.Engine;

namespace RunEscape.Tests.Integration;

/// <summary>
/// One runescape/sample-net target per engine, shared by the network tests: no shell; BusyBox httpd
/// as program 'busybox-httpd' on TCP 8080 (serving a 21-byte index.html) and as 'busybox web:srv' on 8081.
/// </summary>
public sealed class SampleNetTargets : IAsyncLifetime
{
    private readonly Dictionary<string, Task<string>> _targets = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();

    public static string Image => $"runescape/sample-net:{TestEngines.Version}";

    public Task<string> GetAsync(string engine)
    {
        lock (_gate)
        {
            if (!_targets.TryGetValue(engine, out var task))
            {
                task = StartAsync(engine);
                _targets[engine] = task;
            }

            return task;
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (engine, task) in _targets)
        {
            try
            {
                await TestEngines.RemoveAsync(engine, await task);
            }
            catch (Exception)
            {
                // a target that never started has nothing to remove
            }
        }
    }

    private static async Task<string> StartAsync(string engine)
    {
        var name = $"it-net-{Guid.NewGuid().ToString("N")[..6]}";
        using var client = TestEngines.Client(engine);
        var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = name,
            Image = Image,
            Labels = new Dictionary<string, string> { ["io.runescape.test"] = "true" },
        });
        await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        await Task.Delay(1000); // let both httpd listeners bind
        return name;
    }
}

/// <summary>Every network catalog utility through a capsule, against the same target on Docker Engine and Podman.</summary>
[Trait("Category", "Integration")]
public sealed class NetworkCapsuleTests : IClassFixture<SampleNetTargets>
{
    private readonly SampleNetTargets _targets;

    public NetworkCapsuleTests(SampleNetTargets targets) => _targets = targets;

    private async Task<(string Target, CapsuleResult Result)> RunAsync(string engine, string utility, params string[] args)
    {
        var target = await _targets.GetAsync(engine);
        using var runtime = new EngineRuntime(TestEngines.Endpoint(engine));
        var result = await new CapsuleInvoker(runtime, CapsuleCatalog.Builtin).InvokeAsync(
            new CapsuleRequest { Utility = utility, Target = target, ArgumentList = args },
            CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"{utility} on {engine}: exit {result.ExitCode}: {result.StandardError}");
        Assert.True(result.ParseIssues.Count == 0, $"{utility} on {engine}: " + string.Join(" | ", result.ParseIssues));
        Assert.All(result.Records, r => Assert.Equal(target, r.Target));
        var left = await TestEngines.CapsulesAsync(engine, target);
        Assert.True(left.Count == 0, $"capsules left on {engine} for {target}");
        return (target, result);
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Ss_shows_both_listeners_with_their_programs(string engine)
    {
        foreach (var utility in new[] { "ss", "ss-listening" })
        {
            var (_, result) = await RunAsync(engine, utility);
            var sockets = result.Items.Cast<SsSocket>().ToList();
            var web = Assert.Single(sockets, s => s.LocalPort == 8080 && s.State == "LISTEN");
            Assert.Equal("busybox-httpd", web.Program);
            Assert.NotNull(web.PID);
            var odd = Assert.Single(sockets, s => s.LocalPort == 8081 && s.State == "LISTEN");
            Assert.Equal("busybox web:srv", odd.Program);
            Assert.NotEqual(web.PID, odd.PID);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Ss_summary_counts_the_two_tcp_listeners(string engine)
    {
        var (_, result) = await RunAsync(engine, "ss-summary");
        var summary = Assert.IsType<SsSummary>(Assert.Single(result.Items));
        Assert.True(summary.TcpTotal >= 2, $"TCP total {summary.TcpTotal}");
        var tcp = Assert.Single(result.Summary.OfType<SsTransportCount>(), t => t.Transport == "TCP");
        Assert.True(tcp.Total >= 2, $"TCP transport total {tcp.Total}");
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Netstat_shows_both_listeners_with_programs_and_BusyBox_netstat_without(string engine)
    {
        foreach (var utility in new[] { "netstat", "netstat-listening" })
        {
            var (_, result) = await RunAsync(engine, utility);
            var rows = result.Items.Cast<NetstatConnection>().ToList();
            Assert.All(rows, r => Assert.Equal("net-tools", r.Variant));
            Assert.Equal("busybox-httpd", Assert.Single(rows, r => r.LocalPort == 8080 && r.State == "LISTEN").Program);
            Assert.Equal("busybox web:srv", Assert.Single(rows, r => r.LocalPort == 8081 && r.State == "LISTEN").Program);
        }

        var (_, busybox) = await RunAsync(engine, "netstat-busybox");
        var bbRows = busybox.Items.Cast<NetstatConnection>().ToList();
        var listener = Assert.Single(bbRows, r => r.LocalPort == 8080 && r.State == "LISTEN");
        Assert.Null(listener.Program);
        Assert.Null(listener.PID);
        Assert.Contains(bbRows, r => r.LocalPort == 8081);
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Ip_addr_link_and_route_match_what_the_engine_says(string engine)
    {
        var target = await _targets.GetAsync(engine);
        using var client = TestEngines.Client(engine);
        var inspect = await client.Containers.InspectContainerAsync(target);
        var network = inspect.NetworkSettings!.Networks!.Values.First(n => !string.IsNullOrEmpty(n.IPAddress));

        foreach (var (utility, variant) in new[] { ("ip-addr", "iproute2-json"), ("ip-addr-busybox", "busybox") })
        {
            var (_, result) = await RunAsync(engine, utility);
            var interfaces = result.Items.Cast<IpInterface>().ToList();
            Assert.All(interfaces, i => Assert.Equal(variant, i.Variant));
            Assert.Equal("127.0.0.1", Assert.Single(interfaces, i => i.Name == "lo").IPv4Address);
            var withIp = Assert.Single(interfaces, i => i.IPv4Address == network.IPAddress);
            Assert.Equal(network.IPPrefixLen, withIp.Addresses.First(a => a.Family == "inet").PrefixLength);
            if (!string.IsNullOrEmpty(network.MacAddress))
            {
                Assert.Equal(network.MacAddress, withIp.MacAddress, StringComparer.OrdinalIgnoreCase);
            }
        }

        foreach (var utility in new[] { "ip-link", "ip-link-busybox" })
        {
            var (_, result) = await RunAsync(engine, utility);
            var interfaces = result.Items.Cast<IpInterface>().ToList();
            Assert.Contains(interfaces, i => i.Name == "lo" && i.LinkType == "loopback");
            Assert.All(interfaces, i => Assert.Empty(i.Addresses));
        }

        foreach (var utility in new[] { "ip-route", "ip-route-busybox" })
        {
            var (_, result) = await RunAsync(engine, utility);
            var routes = result.Items.Cast<IpRoute>().ToList();
            var def = Assert.Single(routes, r => r.Destination == "default");
            Assert.Equal(network.Gateway, def.Gateway);
            Assert.Contains(routes, r => r.PreferredSource == network.IPAddress);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Lsof_shows_the_listener(string engine)
    {
        var (_, result) = await RunAsync(engine, "lsof");
        var files = result.Items.Cast<LsofFile>().ToList();
        var listener = Assert.Single(files, f => f.Protocol == "TCP" && f.LocalPort == 8080);
        Assert.Equal("LISTEN", listener.State);
        Assert.Equal("busybox-h", listener.Command); // lsof cuts COMMAND to 9 characters
        Assert.Contains(files, f => f.Protocol == "TCP" && f.LocalPort == 8081 && f.State == "LISTEN");
        Assert.Contains(files, f => f.PID == 1 && f.FD == "txt" && f.Name == "/usr/bin/xargs");
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Ping_of_loopback_from_the_targets_namespace_loses_nothing(string engine)
    {
        var (_, result) = await RunAsync(engine, "ping", "127.0.0.1");
        var summary = Assert.IsType<PingSummary>(Assert.Single(result.Items));
        Assert.Equal(3, summary.Transmitted);
        Assert.Equal(3, summary.Received);
        Assert.Equal(0.0, summary.LossPercent);
        Assert.True(summary.RoundTripMax >= summary.RoundTripMin);
        Assert.Equal(3, result.Summary.OfType<PingReply>().Count());
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Dns_lookup_of_localhost_gives_loopback(string engine)
    {
        var (_, result) = await RunAsync(engine, "dns", "localhost");
        var addresses = result.Items.Cast<DnsAddress>().ToList();
        Assert.NotEmpty(addresses);
        Assert.Contains(addresses, a => a.Address is "127.0.0.1" or "::1");
        Assert.All(addresses, a => Assert.Equal("localhost", a.Name));
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Http_probe_of_the_listener_gives_status_time_and_size(string engine)
    {
        var (_, result) = await RunAsync(engine, "http-probe", "http://127.0.0.1:8080/");
        var probe = Assert.IsType<HttpProbe>(Assert.Single(result.Items));
        Assert.Equal(200, probe.StatusCode);
        Assert.Equal(21, probe.SizeBytes); // "<h1>sample-net</h1>\n\n"
        Assert.Equal("http://127.0.0.1:8080/", probe.Url);
        Assert.True(probe.TimeTotal > TimeSpan.Zero);
        Assert.Equal(8080, probe.RemotePort);
    }
}
