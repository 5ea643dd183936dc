using System.Management.Automation;
using RunEscape.Lifecycle;
using RunEscape.Runtimes.Engine;

namespace RunEscape.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Stops and removes capsules: those piped in from Get-Capsule or named by -Id, or, with neither, the orphans on the engine.</para>
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

    protected override void ProcessRecord()
    {
        try
        {
            using var runtime = new EngineRuntime(EngineEndpoint.Resolve(EngineUri));
            if (ParameterSetName == OrphanSet)
            {
                // Without -Id only orphans go: capsules past their deadline, or no longer running
                // (their Invoke-Capsule is gone). A running capsule within its deadline belongs to
                // an Invoke-Capsule in flight, perhaps someone else's: only -Force removes it.
                var targets = Target.Select(t => WildcardPattern.Get(t, WildcardOptions.IgnoreCase)).ToList();
                var capsules = Await(runtime.ListCapsulesAsync).Where(c => targets.Any(p => p.IsMatch(c.Target)));
                foreach (var c in capsules.Where(c => Expired ? c.Expired : Force || c.Expired || c.State != "running"))
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
                    capsule = Await(token => runtime.FindCapsuleAsync(id, token));
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

    private void Remove(EngineRuntime runtime, CapsuleInfo capsule)
    {
        if (!ShouldProcess($"capsule {capsule.Name} ({capsule.Utility} on {capsule.Target}, {capsule.State})", "Remove"))
        {
            return;
        }

        try
        {
            Await(token => runtime.RemoveCapsuleAsync(capsule.Id, token));
        }
        catch (CapsuleException ex) when (ex.Kind != CapsuleErrorKind.EngineUnreachable)
        {
            WriteCapsuleError(ex);
        }
    }
}
