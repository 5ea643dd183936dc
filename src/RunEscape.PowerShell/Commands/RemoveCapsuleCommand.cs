using System.Management.Automation;
using RunEscape.Runtimes.Engine;

namespace RunEscape.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Stops and removes capsules: those piped in from Get-Capsule, those named by -Id, or, with neither, every capsule on the engine.</para>
/// </summary>
[Cmdlet(VerbsCommon.Remove, "Capsule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = AllSet)]
[OutputType(typeof(void))]
public sealed class RemoveCapsuleCommand : RunEscapeCmdlet
{
    private const string AllSet = "All";
    private const string IdSet = "Id";

    /// <summary>Capsule container ids or names; Get-Capsule output binds here by property name.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("CapsuleId", "Name")]
    [ValidateNotNullOrEmpty]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>The engine API endpoint. Default: DOCKER_HOST, then the Docker socket, then the Podman socket.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Endpoint", "DockerHost")]
    public string? EngineUri { get; set; }

    /// <summary>With no -Id: only capsules whose deadline has passed (orphans).</summary>
    [Parameter(ParameterSetName = AllSet)]
    public SwitchParameter Expired { get; set; }

    /// <summary>Kubernetes: capsules (ephemeral containers) on the pods of a namespace instead of a local engine.</summary>
    [Parameter]
    public SwitchParameter Kubernetes { get; set; }

    /// <summary>Kubernetes: the namespace. Default: the kubeconfig context's.</summary>
    [Parameter]
    public string? Namespace { get; set; }

    /// <summary>Kubernetes: the kubeconfig context. Default: its current-context.</summary>
    [Parameter]
    public string? Context { get; set; }

    /// <summary>Kubernetes: the kubeconfig file. Default: $KUBECONFIG, else ~/.kube/config, else in-cluster.</summary>
    [Parameter]
    public string? Kubeconfig { get; set; }

    private bool OnKubernetes => Kubernetes || Namespace is not null || Context is not null || Kubeconfig is not null;

    private RunEscape.Runtimes.ICapsuleRuntime NewRuntime() =>
        OnKubernetes ? PodTargets.Runtime(Kubeconfig, Context, Namespace, null) : new EngineRuntime(EngineEndpoint.Resolve(EngineUri));

    protected override void ProcessRecord()
    {
        try
        {
            using var runtime = NewRuntime();
            if (ParameterSetName == AllSet)
            {
                var capsules = Await(runtime.ListCapsulesAsync);
                // On a pod a terminated capsule is already retired: ephemeral containers cannot be deleted.
                foreach (var c in capsules.Where(c => (!Expired || c.Expired) && (!OnKubernetes || c.State == "Running")))
                {
                    Remove(runtime, c.Id, $"capsule {c.Name} ({c.Utility} on {c.Target})");
                }

                return;
            }

            foreach (var id in Id)
            {
                Remove(runtime, id, $"capsule {id}");
            }
        }
        catch (CapsuleException ex) when (ex.Kind == CapsuleErrorKind.EngineUnreachable)
        {
            ThrowCapsuleError(ex);
        }
    }

    private void Remove(RunEscape.Runtimes.ICapsuleRuntime runtime, string id, string description)
    {
        if (!ShouldProcess(description, "Remove"))
        {
            return;
        }

        try
        {
            var removed = Await(token => runtime.RemoveCapsuleAsync(id, token));
            if (removed && OnKubernetes)
            {
                WriteVerbose($"Capsule {id} retired: its process is ended; it stays in the pod's spec, terminated, because ephemeral containers cannot be deleted from a pod.");
            }

            if (!removed)
            {
                WriteCapsuleError(new CapsuleException(
                    CapsuleErrorKind.CapsuleNotFound,
                    $"No capsule '{id}' exists on {runtime.Endpoint}.",
                    id,
                    "Run Get-Capsule to list the capsules that exist now."));
            }
        }
        catch (CapsuleException ex) when (ex.Kind != CapsuleErrorKind.EngineUnreachable)
        {
            WriteCapsuleError(ex);
        }
    }
}
