using System.Collections;
using System.Management.Automation;
using RunEscape.Runtimes.Kubernetes;

namespace RunEscape.PowerShell;

/// <summary>
/// Pod targets from pipeline input: strings (name, namespace/name, wildcards), KubernetesClient
/// V1Pod objects and any object with metadata.name / metadata.namespace (the items of
/// 'kubectl get pods -o json | ConvertFrom-Json'), or with Name and Namespace properties.
/// Read through PSObject, so no engine type appears in a parameter.
/// </summary>
internal static class PodTargets
{
    internal static string ToTarget(object? input)
    {
        if (input is null)
        {
            throw new ArgumentException("A pod target cannot be null.");
        }

        var value = input is PSObject ps ? ps.BaseObject : input;
        if (value is string s)
        {
            return s;
        }

        var obj = PSObject.AsPSObject(input);
        var metadata = obj.Properties["metadata"]?.Value;
        var source = metadata is null ? obj : PSObject.AsPSObject(metadata);
        var name = Read(source, "name");
        var ns = Read(source, "namespace") ?? Read(source, "NamespaceProperty");
        if (string.IsNullOrEmpty(name))
        {
            throw new ArgumentException($"'{value}' is not a pod: it has neither metadata.name nor Name.");
        }

        return string.IsNullOrEmpty(ns) ? name : ns + "/" + name;
    }

    private static string? Read(PSObject obj, string property)
    {
        var v = obj.Properties[property]?.Value;
        return v switch
        {
            null => null,
            PSObject p => p.BaseObject?.ToString(),
            IDictionary => null,
            _ => v.ToString(),
        };
    }

    /// <summary>A -Kubeconfig path as PowerShell reads paths: relative to the current location, ~ expanded.</summary>
    internal static string? ResolvePath(SessionState session, string? path) =>
        string.IsNullOrEmpty(path) ? path : session.Path.GetUnresolvedProviderPathFromPSPath(path);

    internal static KubernetesRuntime Runtime(string? kubeconfig, string? context, string? ns, string? targetContainer) =>
        new(new KubernetesOptions { Kubeconfig = kubeconfig, Context = context, Namespace = ns, TargetContainer = targetContainer });
}
