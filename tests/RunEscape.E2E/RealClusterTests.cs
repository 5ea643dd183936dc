using k8s;
using k8s.Models;
using RunEscape.Catalog;
using RunEscape.Lifecycle;
using RunEscape.Parsers;
using RunEscape.Runtimes.Kubernetes;

namespace RunEscape.E2E;

/// <summary>Runs only when RUNESCAPE_E2E_KUBECONFIG names a kubeconfig of a real cluster.</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public const string Variable = "RUNESCAPE_E2E_KUBECONFIG";

    public ClusterFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"Set {Variable} to the kubeconfig of a cluster (kind, or any) whose nodes have the capsule images.";
        }
    }
}

[Trait("Category", "KubernetesE2E")]
public sealed class RealClusterTests
{
    private static string Kubeconfig => Environment.GetEnvironmentVariable(ClusterFactAttribute.Variable)!;

    /// <summary>Creates and deletes the sample pod (RunEscape's Role may not): RUNESCAPE_E2E_ADMIN_KUBECONFIG, else the same kubeconfig.</summary>
    private static string AdminKubeconfig => Environment.GetEnvironmentVariable("RUNESCAPE_E2E_ADMIN_KUBECONFIG") is { Length: > 0 } admin ? admin : Kubeconfig;

    [ClusterFact]
    public async Task Top_capsule_on_a_real_pod_sees_the_burner_and_PID_1()
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(AdminKubeconfig);
        using var client = new Kubernetes(config);
        var ns = "default";
        var name = "runescape-e2e-" + Guid.NewGuid().ToString("N")[..6];
        await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "runescape-e2e" } },
            Spec = new V1PodSpec
            {
                Containers = new List<V1Container> { new() { Name = "app", Image = $"runescape/sample-app:{CapsuleCatalog.ModuleVersion}", ImagePullPolicy = "IfNotPresent" } },
            },
        }, ns);
        try
        {
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while ((await client.CoreV1.ReadNamespacedPodAsync(name, ns)).Status?.Phase != "Running")
            {
                Assert.True(DateTime.UtcNow < deadline, "the sample pod did not start within 2 minutes");
                await Task.Delay(1000);
            }

            await Task.Delay(3000);
            using var runtime = new KubernetesRuntime(new KubernetesOptions { Kubeconfig = Kubeconfig, Namespace = ns });
            var result = await new CapsuleInvoker(runtime, CapsuleCatalog.Builtin).InvokeAsync(new CapsuleRequest { Utility = "top", Target = name }, CancellationToken.None);

            Assert.Equal(0, result.ExitCode);
            var processes = result.Items.Cast<TopProcess>().ToList();
            Assert.Equal("md5sum /dev/zero", processes.OrderByDescending(p => p.CPU).First().Command);
            Assert.StartsWith("/usr/bin/xargs -a /etc/sample/jobs", Assert.Single(processes, p => p.PID == 1).Command, StringComparison.Ordinal);
        }
        finally
        {
            await client.CoreV1.DeleteNamespacedPodAsync(name, ns, gracePeriodSeconds: 0);
        }
    }
}
