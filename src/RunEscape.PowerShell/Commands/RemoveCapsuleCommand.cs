using System.Management.Automation;
using RunEscape.Lifecycle;
using RunEscape.Runtimes;
using RunEscape.PowerShell.Completion;
using RunEscape.Runtimes.Engine;

namespace RunEscape.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Stops and removes capsules: those piped in from Get-Capsule or named by -Id, or, with neither, the orphans on the engine. On Kubernetes, ends a running capsule's process and reports it retired.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "Capsule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = OrphanSet)]
[OutputType(typeof(void))]
public sealed class RemoveCapsuleCommand : RunEscapeCmdlet
{
    private const string OrphanSet = "Orphans";
    private const string IdSet = "Id";

    /// <summary>Capsule container ids (full or short) or names; Get-Capsule output binds here by property name.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("CapsuleId", "Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(CapsuleCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>The engine API endpoint. Default: DOCKER_HOST, then the Docker socket, then the Podman socket.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Endpoint", "DockerHost")]
    public string? EngineUri { get; set; }

    /// <summary>Without -Id: only capsules attached to these targets; wildcards allowed.</summary>
    [Parameter(ParameterSetName = OrphanSet)]
    [SupportsWildcards]
    public string[] Target { get; set; } = new[] { "*" };

    /// <summary>Without -Id: only capsules whose deadline has passed.</summary>
    [Parameter(ParameterSetName = OrphanSet)]
    public SwitchParameter Expired { get; set; }

    /// <summary>Without -Id: also capsules that are still running within their deadline (someone's Invoke-Capsule in flight).</summary>
    [Parameter(ParameterSetName = OrphanSet)]
    public SwitchParameter Force { get; set; }

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

    protected override void ProcessRecord()
    {
        try
        {
            using ICapsuleRuntime runtime = OnKubernetes ? PodTargets.Runtime(PodTargets.ResolvePath(SessionState, Kubeconfig), Context, Namespace, null) : new EngineRuntime(EngineEndpoint.Resolve(EngineUri));
            if (ParameterSetName == OrphanSet)
            {
                // Without -Id only orphans go: capsules past their deadline, or no longer running
                // (their Invoke-Capsule is gone). A running capsule within its deadline belongs to
                // an Invoke-Capsule in flight, perhaps someone else's: only -Force removes it.
                // On a pod a terminated capsule is already retired: ephemeral containers cannot be deleted.
                var targets = Target.Select(t => WildcardPattern.Get(t, WildcardOptions.IgnoreCase)).ToList();
                var capsules = Await(runtime.ListCapsulesAsync).Where(c => targets.Any(p => p.IsMatch(c.Target)));
                foreach (var c in capsules.Where(c => Selected(c)))
                {
                    Remove(runtime, c);
                }

                return;
            }

            foreach (var id in Id)
            {
                CapsuleInfo? capsule;
                try
                {
                    capsule = runtime is EngineRuntime engine
                        ? Await(token => engine.FindCapsuleAsync(id, token))
                        : Await(runtime.ListCapsulesAsync).FirstOrDefault(c => c.Id == id || c.Name == id);
                }
                catch (CapsuleException ex) when (ex.Kind != CapsuleErrorKind.EngineUnreachable)
                {
                    WriteCapsuleError(ex);
                    continue;
                }

                if (capsule is null)
                {
                    WriteCapsuleError(new CapsuleException(
                        CapsuleErrorKind.CapsuleNotFound,
                        $"No capsule '{id}' exists on {runtime.Kind} at {runtime.Endpoint}.",
                        id,
                        "Run Get-Capsule to list the capsules that exist now."));
                    continue;
                }

                Remove(runtime, capsule);
            }
        }
        catch (CapsuleException ex)
        {
            // An unusable endpoint or an engine that cannot list capsules stops the command.
            ThrowCapsuleError(ex);
        }
    }

    private bool Selected(CapsuleInfo c)
    {
        if (OnKubernetes)
        {
            return (!Expired || c.Expired) && c.State == "Running" && (Force || Expired || c.Expired);
        }

        return Expired ? c.Expired : Force || c.Expired || c.State != "running";
    }

    private void Remove(ICapsuleRuntime runtime, CapsuleInfo capsule)
    {
        if (!ShouldProcess($"capsule {capsule.Name} ({capsule.Utility} on {capsule.Target}, {capsule.State})", OnKubernetes ? "Retire" : "Remove"))
        {
            return;
        }

        try
        {
            var removed = Await(token => runtime.RemoveCapsuleAsync(capsule.Id, token));
            if (removed && OnKubernetes)
            {
                WriteVerbose($"Capsule {capsule.Name} retired: its process is ended; it stays in the pod's spec, terminated, because ephemeral containers cannot be deleted from a pod.");
            }
        }
        catch (CapsuleException ex) when (ex.Kind != CapsuleErrorKind.EngineUnreachable)
        {
            WriteCapsuleError(ex);
        }
    }
}
