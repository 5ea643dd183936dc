using System.Net;
using System.Net.Sockets;
using System.Text;
using RunEscape.Catalog;
using RunEscape.Lifecycle;
using RunEscape.Runtimes.Engine;

namespace RunEscape.Tests.Core;

public sealed class CatalogAndEndpointTests
{
    [Fact]
    public void The_builtin_catalog_cannot_be_changed_through_its_entries()
    {
        var top = CapsuleCatalog.Builtin.Get("top");
        Assert.Throws<NotSupportedException>(() => ((IList<string>)top.Capabilities).Add("SYS_ADMIN"));
        Assert.Throws<NotSupportedException>(() => ((IList<string>)top.Command)[0] = "sh");
        Assert.Throws<NotSupportedException>(() => ((IDictionary<string, string>)top.Environment)["X"] = "1");
        Assert.Empty(CapsuleCatalog.Builtin.Get("top").Capabilities);
    }

    [Fact]
    public void Unknown_utility_names_the_known_ones()
    {
        var ex = Assert.Throws<CapsuleException>(() => CapsuleCatalog.Builtin.Get("tpo"));
        Assert.Equal(CapsuleErrorKind.UtilityNotFound, ex.Kind);
        Assert.Equal("tpo", ex.Target);
        Assert.Contains("top", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{", "is not valid JSON")]
    [InlineData("{\"schemaVersion\":\"9.9\",\"utilities\":[]}", "field 'schemaVersion'")]
    [InlineData("{\"schemaVersion\":\"1.0\",\"utilities\":[{\"name\":\"x\",\"image\":\"i\",\"command\":[],\"parser\":\"top\"}]}", "entry 'x', field 'command'")]
    [InlineData("{\"schemaVersion\":\"1.0\",\"utilities\":[{\"name\":\"x\",\"image\":\"i\",\"command\":[\"a\"],\"parser\":\"top\",\"namespaces\":[\"mnt\"]}]}", "entry 'x', field 'namespaces'")]
    [InlineData("{\"schemaVersion\":\"1.0\",\"utilities\":[{\"name\":\"x\",\"image\":\"i\",\"command\":[\"a\"],\"parser\":\"top\",\"frames\":\"first\"}]}", "entry 'x', field 'frames'")]
    public void Catalog_validation_names_source_entry_and_field(string json, string expected)
    {
        var ex = Assert.Throws<CapsuleException>(() => CapsuleCatalog.Parse(json, "my.json"));
        Assert.Equal(CapsuleErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("my.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("registry.example.com:5000/tools", "registry.example.com:5000/tools/runescape/capsule-procps:")]
    [InlineData("localhost:5000/", "localhost:5000/runescape/capsule-procps:")]
    public void Registry_prefixes_builtin_images(string registry, string expectedPrefix)
    {
        var image = CapsuleCatalog.ResolveImage(CapsuleCatalog.Builtin.Get("top"), registry);
        Assert.StartsWith(expectedPrefix, image, StringComparison.Ordinal);
        Assert.EndsWith(CapsuleCatalog.ModuleVersion, image, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bad Registry!")]
    [InlineData("UPPER/x")]
    [InlineData("a//b")]
    public void A_malformed_registry_is_InvalidArgument(string registry)
    {
        var ex = Assert.Throws<CapsuleException>(() => CapsuleCatalog.ResolveImage(CapsuleCatalog.Builtin.Get("top"), registry));
        Assert.Equal(CapsuleErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(registry, ex.Target);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("")]
    [InlineData("unix:///var/run/doc ker.sock")]
    [InlineData("garbage")]
    [InlineData("ssh://host")]
    public void A_malformed_engine_uri_is_InvalidArgument(string uri)
    {
        var ex = Assert.Throws<CapsuleException>(() => EngineEndpoint.Resolve(uri));
        Assert.Equal(CapsuleErrorKind.InvalidArgument, ex.Kind);
    }

    [Fact]
    public void A_socket_path_alone_is_taken_as_a_unix_uri()
    {
        Assert.Equal(new Uri("unix:///var/run/docker.sock"), EngineEndpoint.Resolve("/var/run/docker.sock"));
    }

    [Theory]
    [InlineData("../images/runescape/sample-app:0.1.0")]
    [InlineData("nonexistent/../web-1")]
    [InlineData("web%2D1")]
    [InlineData("-rf")]
    [InlineData("")]
    public async Task A_container_reference_that_is_no_name_or_id_never_reaches_the_engine(string name)
    {
        // The endpoint does not exist: had the name reached the engine, this would be EngineUnreachable.
        using var runtime = new EngineRuntime(new Uri("unix:///tmp/runescape-no-engine.sock"));
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => runtime.ResolveTargetAsync(name, CancellationToken.None));
        Assert.Equal(CapsuleErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(name, ex.Target);
    }

    [Fact]
    public async Task An_http_server_that_is_not_an_engine_is_EngineUnreachable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            using var stream = client.GetStream();
            var buffer = new byte[4096];
            _ = await stream.ReadAsync(buffer);
            var body = "<html>not found</html>";
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
        });

        using var runtime = new EngineRuntime(new Uri($"tcp://127.0.0.1:{port}"));
        var invoker = new CapsuleInvoker(runtime, CapsuleCatalog.Builtin);
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => invoker.InvokeAsync(new CapsuleRequest { Utility = "top", Target = "web-1" }, CancellationToken.None));
        Assert.Equal(CapsuleErrorKind.EngineUnreachable, ex.Kind);
        Assert.Contains("not a container engine", ex.Message, StringComparison.Ordinal);
        await server;
    }

    [Fact]
    public async Task An_engine_that_never_answers_is_EngineUnreachable_not_a_timeout_of_the_capsule()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var runtime = new EngineRuntime(new Uri($"tcp://127.0.0.1:{port}"));
        var invoker = new CapsuleInvoker(runtime, CapsuleCatalog.Builtin);
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => invoker.InvokeAsync(new CapsuleRequest { Utility = "top", Target = "web-1", Timeout = TimeSpan.FromSeconds(60) }, CancellationToken.None));
        Assert.Equal(CapsuleErrorKind.EngineUnreachable, ex.Kind);
        Assert.Equal($"tcp://127.0.0.1:{port}/", ex.Target);
    }
}
