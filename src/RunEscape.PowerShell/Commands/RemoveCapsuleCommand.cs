using System.Management.Automation;
using RunEscape.PowerShell.Completion;
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
    [ArgumentCompleter(typeof(CapsuleCompleter))]
    public string[] Id { get; set; } = Array.Empty<string>();

    /// <summary>The engine API endpoint. Default: DOCKER_HOST, then the Docker socket, then the Podman socket.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Endpoint", "DockerHost")]
    public string? EngineUri { get; set; }

    /// <summary>With no -Id: only capsules whose deadline has passed (orphans).</summary>
    [Parameter(ParameterSetName = AllSet)]
    public SwitchParameter Expired { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            using var runtime = new EngineRuntime(EngineEndpoint.Resolve(EngineUri));
            if (ParameterSetName == AllSet)
            {
                var capsules = Await(runtime.ListCapsulesAsync);
                foreach (var c in capsules.Where(c => !Expired || c.Expired))
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

    private void Remove(EngineRuntime runtime, string id, string description)
    {
        if (!ShouldProcess(description, "Remove"))
        {
            return;
        }

        try
        {
            if (!Await(token => runtime.RemoveCapsuleAsync(id, token)))
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
