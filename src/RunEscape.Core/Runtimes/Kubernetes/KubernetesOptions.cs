using k8s;

namespace RunEscape.Runtimes.Kubernetes;

/// <summary>Where and how RunEscape talks to a Kubernetes API server.</summary>
public sealed class KubernetesOptions
{
    /// <summary>Path of a kubeconfig file. Default: $KUBECONFIG (its first entry), else ~/.kube/config, else in-cluster.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>The kubeconfig context. Default: its current-context.</summary>
    public string? Context { get; init; }

    /// <summary>The namespace of pods named without one. Default: the context's namespace, else "default".</summary>
    public string? Namespace { get; init; }

    /// <summary>The container in the pod whose processes the capsule sees. Default: the pod's kubectl.kubernetes.io/default-container annotation, else its first container.</summary>
    public string? TargetContainer { get; init; }

    /// <summary>The kubeconfig file in use: -Kubeconfig, else $KUBECONFIG's first entry, else ~/.kube/config if it exists; null means in-cluster (or none).</summary>
    public string? KubeconfigPath()
    {
        var path = Kubeconfig;
        if (string.IsNullOrEmpty(path))
        {
            var env = Environment.GetEnvironmentVariable("KUBECONFIG");
            if (!string.IsNullOrWhiteSpace(env))
            {
                path = env.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            }
        }

        if (string.IsNullOrEmpty(path))
        {
            var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
            if (File.Exists(home))
            {
                path = home;
            }
        }

        return string.IsNullOrEmpty(path) ? null : path;
    }

    /// <summary>Builds the client configuration: explicit kubeconfig, $KUBECONFIG, ~/.kube/config, then the in-cluster service account.</summary>
    internal KubernetesClientConfiguration BuildConfiguration()
    {
        var path = KubeconfigPath();
        try
        {
            if (string.IsNullOrEmpty(path))
            {
                if (KubernetesClientConfiguration.IsInCluster())
                {
                    return KubernetesClientConfiguration.InClusterConfig();
                }

                throw new CapsuleException(
                    CapsuleErrorKind.EngineUnreachable,
                    "No Kubernetes configuration was found: no -Kubeconfig, no $KUBECONFIG, no ~/.kube/config, and this is not a pod with a service account.",
                    "kubeconfig",
                    "Pass -Kubeconfig, set KUBECONFIG, or run inside a pod.");
            }

            if (!File.Exists(path))
            {
                throw new CapsuleException(CapsuleErrorKind.InvalidArgument, $"The kubeconfig '{path}' does not exist.", path, "Pass the path of an existing kubeconfig file to -Kubeconfig.");
            }

            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, Context);
        }
        catch (CapsuleException)
        {
            throw;
        }
        catch (Exception ex) when (ex is k8s.Exceptions.KubeConfigException or IOException or InvalidOperationException or ArgumentException)
        {
            throw new CapsuleException(
                CapsuleErrorKind.InvalidArgument,
                $"The Kubernetes configuration cannot be used: {ex.Message}",
                Context ?? path ?? "kubeconfig",
                "Check -Kubeconfig and -Context ('kubectl config get-contexts' lists the contexts).",
                ex);
        }
    }
}
