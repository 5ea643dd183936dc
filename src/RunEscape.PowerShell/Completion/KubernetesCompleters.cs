using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using RunEscape.Runtimes.Kubernetes;

namespace RunEscape.PowerShell.Completion;

/// <summary>
/// Completes -Context with the contexts of the kubeconfig: -Kubeconfig when typed, else
/// $KUBECONFIG, else ~/.kube/config. Reads the file only; never throws.
/// </summary>
public sealed class KubeContextCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IReadOnlyList<KubeconfigContext> contexts;
        try
        {
            contexts = KubernetesDiscovery.ReadContexts(CompletionHelper.KubernetesOptions(fakeBoundParameters));
        }
        catch (Exception)
        {
            contexts = Array.Empty<KubeconfigContext>();
        }

        return CompletionHelper.Complete(wordToComplete, contexts.Select(c => (c.Name, $"context {c.Name}: cluster {c.Cluster}, namespace {c.Namespace ?? "default"}{(c.IsCurrent ? " (current)" : string.Empty)}")));
    }
}

/// <summary>
/// Completes -Namespace with the cluster's namespaces; when listing them is forbidden (the
/// documented Role is namespaced), the cluster cannot be reached in time or the configuration is
/// unusable, with the namespaces the kubeconfig's contexts name. Never throws.
/// </summary>
public sealed class KubeNamespaceCompleter : IArgumentCompleter
{
    /// <summary>The share of the completion budget the cluster gets before the kubeconfig's namespaces are offered instead.</summary>
    private static readonly TimeSpan ClusterBudget = TimeSpan.FromMilliseconds(1000);

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var options = CompletionHelper.KubernetesOptions(fakeBoundParameters);
        var namespaces = CompletionHelper.FromEngine(token => KubernetesDiscovery.ListNamespacesAsync(options, ClusterBudget, token));
        return CompletionHelper.Complete(wordToComplete, namespaces.Select(n => (n.Name, n.Detail)));
    }
}

/// <summary>
/// Completes -Pod with the running pods of the -Namespace typed (else the context's namespace),
/// as names; a word with a slash (shop/we) completes the pods of that namespace as namespace/name.
/// Asks the cluster with a short timeout; never throws.
/// </summary>
public sealed class PodCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = CompletionHelper.Unquote(wordToComplete ?? string.Empty);
        var slash = word.IndexOf('/', StringComparison.Ordinal);
        var ns = slash > 0 ? word[..slash] : CompletionHelper.BoundString(fakeBoundParameters, "Namespace");
        if (ns is not null && WildcardPattern.ContainsWildcardCharacters(ns))
        {
            return Array.Empty<CompletionResult>();
        }

        var options = CompletionHelper.KubernetesOptions(fakeBoundParameters);
        var pods = CompletionHelper.FromEngine(token => KubernetesDiscovery.ListRunningPodsAsync(options, ns, token));
        return CompletionHelper.Complete(wordToComplete, pods.Select(p => (
            slash > 0 ? p.Namespace + "/" + p.Name : p.Name,
            $"pod {p.Namespace}/{p.Name} (containers: {string.Join(", ", p.Containers)})")));
    }
}
