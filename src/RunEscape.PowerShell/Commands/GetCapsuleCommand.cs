using System.Management.Automation;
using RunEscape.PowerShell.Completion;
using RunEscape.Lifecycle;
using RunEscape.Runtimes.Engine;

namespace RunEscape.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Lists the capsules attached right now, found by their label, with target, utility, age and deadline.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "Capsule")]
[OutputType("RunEscape.Lifecycle.CapsuleInfo")]
public sealed class GetCapsuleCommand : RunEscapeCmdlet
{
    /// <summary>The engine API endpoint. Default: DOCKER_HOST, then the Docker socket, then the Podman socket.</summary>
    [Parameter]
    [Alias("Endpoint", "DockerHost")]
    public string? EngineUri { get; set; }

    /// <summary>Only capsules attached to these targets; wildcards allowed.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    public string[] Target { get; set; } = new[] { "*" };

    /// <summary>Only capsules carrying these utilities; wildcards allowed.</summary>
    [Parameter]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(UtilityCompleter))]
    public string[] Utility { get; set; } = new[] { "*" };

    /// <summary>Only capsules whose deadline has passed (orphans).</summary>
    [Parameter]
    public SwitchParameter Expired { get; set; }

    /// <summary>Kubernetes: capsules (ephemeral containers) on the pods of a namespace instead of a local engine.</summary>
    [Parameter]
    public SwitchParameter Kubernetes { get; set; }

    /// <summary>Kubernetes: the namespace. Default: the kubeconfig context's.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(KubeNamespaceCompleter))]
    public string? Namespace { get; set; }

    /// <summary>Kubernetes: the kubeconfig context. Default: its current-context.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    public string? Context { get; set; }

    /// <summary>Kubernetes: the kubeconfig file. Default: $KUBECONFIG, else ~/.kube/config, else in-cluster.</summary>
    [Parameter]
    public string? Kubeconfig { get; set; }

    private bool OnKubernetes => Kubernetes || Namespace is not null || Context is not null || Kubeconfig is not null;

    private RunEscape.Runtimes.ICapsuleRuntime NewRuntime() =>
        OnKubernetes ? PodTargets.Runtime(PodTargets.ResolvePath(SessionState, Kubeconfig), Context, Namespace, null) : new EngineRuntime(EngineEndpoint.Resolve(EngineUri));

    protected override void EndProcessing()
    {
        IReadOnlyList<CapsuleInfo> capsules;
        try
        {
            using var runtime = NewRuntime();
            capsules = Await(runtime.ListCapsulesAsync);
        }
        catch (CapsuleException ex)
        {
            ThrowCapsuleError(ex);
            return;
        }

        var targets = Target.Select(t => WildcardPattern.Get(t, WildcardOptions.IgnoreCase)).ToList();
        var utilities = Utility.Select(u => WildcardPattern.Get(u, WildcardOptions.IgnoreCase)).ToList();
        foreach (var c in capsules.OrderBy(c => c.Created))
        {
            if (targets.Any(p => p.IsMatch(c.Target)) && utilities.Any(p => p.IsMatch(c.Utility)) && (!Expired || c.Expired))
            {
                WriteObject(c);
            }
        }
    }
}
