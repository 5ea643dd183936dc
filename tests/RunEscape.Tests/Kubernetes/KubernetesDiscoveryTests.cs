using RunEscape.KubeApiDouble;
using RunEscape.Runtimes.Kubernetes;
using RunEscape.Tests.Integration;

namespace RunEscape.Tests.Kubernetes;

/// <summary>An API double with a running pod in default and one in shop, a pending pod, and a namespace without pods.</summary>
public sealed class DiscoveryFixture : IAsyncLifetime
{
    public KubeApiServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var engine = TestEngines.All.TryGetValue("docker", out var docker) ? docker : TestEngines.All.Values.First();
        Server = await KubeApiServer.StartAsync(engine);
        Server.CreateNamespace("empty");
        var app = new[] { new KubeApiServer.ContainerSpec("app", TestEngines.SampleImage) };
        await Server.CreatePodAsync("default", "web-1", app);
        await Server.CreatePodAsync("default", "web-pending", app, start: false);
        await Server.CreatePodAsync("shop", "cart-1", app);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>What the argument completers ask (KubernetesDiscovery), against the API double and kubeconfig files.</summary>
[Trait("Category", "Kubernetes")]
public sealed class KubernetesDiscoveryTests : IClassFixture<DiscoveryFixture>, IDisposable
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);
    private readonly DiscoveryFixture _fixture;
    private readonly List<string> _files = new();

    public KubernetesDiscoveryTests(DiscoveryFixture fixture)
    {
        _fixture = fixture;
        Server.Role = Role.RunEscape;
        Server.ClusterRole = new Role();
    }

    private KubeApiServer Server => _fixture.Server;

    public void Dispose()
    {
        foreach (var f in _files)
        {
            File.Delete(f);
        }
    }

    /// <summary>A kubeconfig for the double with three contexts: two on its cluster (namespaces shop and none), one on another server.</summary>
    private string MultiContextKubeconfig(string server)
    {
        var path = Path.Combine(Path.GetTempPath(), $"discovery-{Guid.NewGuid():N}.kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: double
              cluster:
                server: {server}
            - name: elsewhere
              cluster:
                server: http://127.0.0.1:9
            users:
            - name: runescape
              user:
                token: {KubeApiServer.Token}
            contexts:
            - name: shop-admin
              context:
                cluster: double
                user: runescape
                namespace: shop
            - name: plain
              context:
                cluster: double
                user: runescape
            - name: other cluster
              context:
                cluster: elsewhere
                user: runescape
                namespace: payments
            current-context: shop-admin
            """);
        _files.Add(path);
        return path;
    }

    [Fact]
    public void Contexts_come_from_the_kubeconfig_with_namespace_and_current_marked()
    {
        var contexts = KubernetesDiscovery.ReadContexts(new KubernetesOptions { Kubeconfig = MultiContextKubeconfig(Server.Url.ToString()) });

        Assert.Equal(new[] { "shop-admin", "plain", "other cluster" }, contexts.Select(c => c.Name));
        Assert.True(contexts[0].IsCurrent);
        Assert.Equal("shop", contexts[0].Namespace);
        Assert.Null(contexts[1].Namespace);
        Assert.False(contexts[2].IsCurrent);
    }

    [Fact]
    public void A_missing_kubeconfig_is_an_InvalidArgument_error_naming_it()
    {
        var ex = Assert.Throws<CapsuleException>(() => KubernetesDiscovery.ReadContexts(new KubernetesOptions { Kubeconfig = "/nonexistent/kubeconfig" }));
        Assert.Equal(CapsuleErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("/nonexistent/kubeconfig", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Namespaces_come_from_the_cluster_when_a_ClusterRole_grants_list()
    {
        Server.ClusterRole = new Role(new PolicyRule(new[] { "namespaces" }, new[] { "list" }));
        var namespaces = await KubernetesDiscovery.ListNamespacesAsync(new KubernetesOptions { Kubeconfig = Server.KubeconfigPath }, Budget, CancellationToken.None);

        Assert.All(namespaces, n => Assert.Equal("cluster", n.Source));
        Assert.Equal(new[] { "default", "empty", "kube-node-lease", "kube-public", "kube-system", "shop" }, namespaces.Select(n => n.Name));
    }

    [Fact]
    public async Task Under_the_documented_Role_listing_namespaces_is_forbidden_and_the_kubeconfig_contexts_of_the_same_cluster_are_offered()
    {
        using var runtime = new KubernetesRuntime(new KubernetesOptions { Kubeconfig = Server.KubeconfigPath });
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => runtime.ListNamespacesAsync(CancellationToken.None));
        Assert.Equal(CapsuleErrorKind.PermissionDenied, ex.Kind);
        Assert.Contains("at the cluster scope", ex.Message, StringComparison.Ordinal);

        Server.ClearRequests();
        var namespaces = await KubernetesDiscovery.ListNamespacesAsync(new KubernetesOptions { Kubeconfig = MultiContextKubeconfig(Server.Url.ToString()) }, Budget, CancellationToken.None);

        Assert.Contains(Server.Requests, r => r.Verb == "list" && r.Resource == "namespaces");
        Assert.All(namespaces, n => Assert.Equal("kubeconfig", n.Source));
        // shop (shop-admin) and default (plain names none); not payments, which is another cluster's.
        Assert.Equal(new[] { "default", "shop" }, namespaces.Select(n => n.Name));
    }

    [Fact]
    public async Task An_unreachable_cluster_falls_back_to_the_kubeconfig_within_the_budget()
    {
        var kubeconfig = MultiContextKubeconfig(Server.Url.ToString());
        var started = DateTime.UtcNow;
        var namespaces = await KubernetesDiscovery.ListNamespacesAsync(new KubernetesOptions { Kubeconfig = kubeconfig, Context = "other cluster" }, TimeSpan.FromSeconds(1), CancellationToken.None);

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4));
        Assert.Equal(new[] { "payments" }, namespaces.Select(n => n.Name));
    }

    [Fact]
    public async Task Pods_are_the_running_ones_of_the_namespace_asked_else_the_contexts()
    {
        var options = new KubernetesOptions { Kubeconfig = Server.KubeconfigPath };
        var inDefault = await KubernetesDiscovery.ListRunningPodsAsync(options, null, CancellationToken.None);
        var inShop = await KubernetesDiscovery.ListRunningPodsAsync(options, "shop", CancellationToken.None);

        Assert.Equal(new[] { "web-1" }, inDefault.Select(p => p.Name));
        Assert.Equal(new[] { "app" }, inDefault[0].Containers);
        var cart = Assert.Single(inShop);
        Assert.Equal(("shop", "cart-1"), (cart.Namespace, cart.Name));
    }

    [Fact]
    public async Task Listing_pods_without_the_list_verb_is_PermissionDenied()
    {
        Server.Role = Role.RunEscape.Without("list", "pods");
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => KubernetesDiscovery.ListRunningPodsAsync(new KubernetesOptions { Kubeconfig = Server.KubeconfigPath }, "shop", CancellationToken.None));
        Assert.Equal(CapsuleErrorKind.PermissionDenied, ex.Kind);
        Assert.Contains("'list' 'pods' in namespace 'shop'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pod_wildcards_may_name_their_namespace_and_each_namespace_is_listed_once()
    {
        using var runtime = new KubernetesRuntime(new KubernetesOptions { Kubeconfig = Server.KubeconfigPath });
        Server.ClearRequests();
        var targets = await runtime.ExpandPodsAsync(new[] { "shop/c*", "shop/*-1", "w*-1" }, null, null, CancellationToken.None);

        Assert.Equal(new[] { "shop/cart-1", "default/web-1" }, targets);
        Assert.Equal(2, Server.Requests.Count(r => r.Verb == "list" && r.Resource == "pods"));
        var ex = await Assert.ThrowsAsync<CapsuleException>(() => runtime.ExpandPodsAsync(new[] { "shop/web-*" }, null, null, CancellationToken.None));
        Assert.Equal(CapsuleErrorKind.TargetNotFound, ex.Kind);
        Assert.Contains("No pod in namespace 'shop' matches 'shop/web-*'", ex.Message, StringComparison.Ordinal);
    }
}
