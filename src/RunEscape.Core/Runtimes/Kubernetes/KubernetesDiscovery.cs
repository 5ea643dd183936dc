using k8s;
using k8s.Autorest;

namespace RunEscape.Runtimes.Kubernetes;

/// <summary>A running pod, as offered to a -Pod argument.</summary>
public sealed record PodSummary(string Namespace, string Name, IReadOnlyList<string> Containers);

/// <summary>A context of a kubeconfig file.</summary>
public sealed record KubeconfigContext(string Name, string? Namespace, string? Cluster, string? User, bool IsCurrent);

/// <summary>A namespace name and where it was found: "cluster" (listed by the API server) or "kubeconfig" (named by a context).</summary>
public sealed record NamespaceCandidate(string Name, string Source, string Detail);

/// <summary>
/// What a caller can pick from before it runs anything: the kubeconfig's contexts, the cluster's
/// namespaces and running pods. Used by the argument completers; every method may throw
/// <see cref="CapsuleException"/> (the completers turn any failure into no suggestions).
/// </summary>
public static class KubernetesDiscovery
{
    /// <summary>The contexts of the kubeconfig <paramref name="options"/> name (-Kubeconfig, $KUBECONFIG, ~/.kube/config); none in-cluster.</summary>
    public static IReadOnlyList<KubeconfigContext> ReadContexts(KubernetesOptions options)
    {
        var path = options.KubeconfigPath();
        if (path is null)
        {
            return Array.Empty<KubeconfigContext>();
        }

        if (!File.Exists(path))
        {
            throw new CapsuleException(CapsuleErrorKind.InvalidArgument, $"The kubeconfig '{path}' does not exist.", path, "Pass the path of an existing kubeconfig file to -Kubeconfig.");
        }

        k8s.KubeConfigModels.K8SConfiguration config;
        try
        {
            config = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(path));
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or YamlDotNet.Core.YamlException or InvalidOperationException or ArgumentException)
        {
            throw new CapsuleException(CapsuleErrorKind.InvalidArgument, $"The kubeconfig '{path}' cannot be read: {ex.Message}", path, "Check the file ('kubectl config view').", ex);
        }

        return (config.Contexts ?? Enumerable.Empty<k8s.KubeConfigModels.Context>())
            .Where(c => !string.IsNullOrEmpty(c.Name))
            .Select(c => new KubeconfigContext(
                c.Name,
                string.IsNullOrEmpty(c.ContextDetails?.Namespace) ? null : c.ContextDetails.Namespace,
                c.ContextDetails?.Cluster,
                c.ContextDetails?.User,
                string.Equals(c.Name, config.CurrentContext, StringComparison.Ordinal)))
            .ToList();
    }

    /// <summary>
    /// The namespaces to offer. First the cluster's list (GET /api/v1/namespaces), given at most
    /// <paramref name="clusterBudget"/>; when that list is forbidden (the documented Role is
    /// namespaced, so it usually is), unreachable, slow or the configuration unusable, the
    /// namespaces the kubeconfig's contexts name for the same cluster as the context in use
    /// ("default" for a context that names none).
    /// </summary>
    public static async Task<IReadOnlyList<NamespaceCandidate>> ListNamespacesAsync(KubernetesOptions options, TimeSpan clusterBudget, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(clusterBudget);
        try
        {
            using var runtime = new KubernetesRuntime(options);
            var names = await runtime.ListNamespacesAsync(budget.Token).ConfigureAwait(false);
            return names.Select(n => new NamespaceCandidate(n, "cluster", $"namespace {n} (cluster {runtime.Endpoint})")).ToList();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is CapsuleException or HttpOperationException or OperationCanceledException or HttpRequestException or IOException)
        {
            return FromKubeconfig(options);
        }
    }

    /// <summary>The running pods of <paramref name="namespace"/> (default: the context's namespace).</summary>
    public static async Task<IReadOnlyList<PodSummary>> ListRunningPodsAsync(KubernetesOptions options, string? @namespace, CancellationToken cancellationToken)
    {
        using var runtime = new KubernetesRuntime(options);
        return await runtime.ListRunningPodsAsync(@namespace, cancellationToken).ConfigureAwait(false);
    }

    private static List<NamespaceCandidate> FromKubeconfig(KubernetesOptions options)
    {
        var contexts = ReadContexts(options);
        var current = !string.IsNullOrEmpty(options.Context)
            ? contexts.FirstOrDefault(c => c.Name == options.Context)
            : contexts.FirstOrDefault(c => c.IsCurrent);
        var sameCluster = current is null ? contexts : contexts.Where(c => c.Cluster == current.Cluster).ToList();
        return sameCluster
            .GroupBy(c => c.Namespace ?? "default", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new NamespaceCandidate(g.Key, "kubeconfig", $"namespace {g.Key} (kubeconfig context {string.Join(", ", g.Select(c => c.Name))})"))
            .ToList();
    }
}
