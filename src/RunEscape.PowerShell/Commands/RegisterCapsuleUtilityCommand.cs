using System.Collections;
using System.Management.Automation;
using System.Text.Json;
using RunEscape.Catalog;
using RunEscape.Parsers;

namespace RunEscape.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Adds a utility to the capsule catalog for this session: image, command and a parser (a generic one or a scriptblock).</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Register, "CapsuleUtility", DefaultParameterSetName = ParserSet)]
[OutputType("RunEscape.Catalog.CapsuleUtility")]
public sealed class RegisterCapsuleUtilityCommand : RunEscapeCmdlet
{
    private const string ParserSet = "Parser";
    private const string ScriptSet = "ScriptBlock";

    /// <summary>The name users pass to -Utility.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The capsule image that carries the program.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Image { get; set; } = string.Empty;

    /// <summary>The argv run in the capsule (no shell).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] Command { get; set; } = Array.Empty<string>();

    /// <summary>A parser by name: table, keyvalue, json, lines, or a built-in one (top, df, …). Default: lines.</summary>
    [Parameter(ParameterSetName = ParserSet)]
    [ValidateNotNullOrEmpty]
    public string Parser { get; set; } = "lines";

    /// <summary>A scriptblock that turns the output text ($_ and $args[0]) into objects.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ScriptSet)]
    public ScriptBlock? ScriptBlock { get; set; }

    [Parameter]
    public string? Description { get; set; }

    /// <summary>Target namespaces to join: pid, net, ipc. Default: all three.</summary>
    [Parameter]
    public string[]? Namespace { get; set; }

    /// <summary>Linux capabilities for the capsule (e.g. SYS_PTRACE); nothing else is added.</summary>
    [Parameter]
    public string[]? Capability { get; set; }

    /// <summary>Environment variables set in the capsule.</summary>
    [Parameter]
    public Hashtable? Environment { get; set; }

    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 30;

    /// <summary>Replace a utility of the same name registered earlier in this session.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the new catalog entry.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var registrations = SessionCatalog.Current;
        if (registrations.Entries.ContainsKey(Name) && !Force)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException($"A utility named '{Name}' is already registered in this session."),
                "UtilityAlreadyRegistered",
                ErrorCategory.ResourceExists,
                Name)
            {
                ErrorDetails = new ErrorDetails($"A utility named '{Name}' is already registered in this session.") { RecommendedAction = "Add -Force to replace it." },
            });
        }

        // The entry goes through the same validation as a catalog file, so errors name the entry and field.
        var entry = new Dictionary<string, object?>
        {
            ["name"] = Name,
            ["description"] = Description ?? string.Empty,
            ["image"] = Image,
            ["command"] = Command,
            ["parser"] = ScriptBlock is not null ? GenericParsers.ScriptBlock : Parser,
            ["timeoutSec"] = TimeoutSec,
        };
        if (Namespace is not null)
        {
            entry["namespaces"] = Namespace;
        }

        if (Capability is not null)
        {
            entry["capabilities"] = Capability;
        }

        if (Environment is not null)
        {
            entry["environment"] = Environment.Cast<DictionaryEntry>().ToDictionary(e => e.Key.ToString()!, e => e.Value?.ToString());
        }

        var json = JsonSerializer.Serialize(new Dictionary<string, object> { ["schemaVersion"] = "1.0", ["utilities"] = new[] { entry } });
        CapsuleUtility utility;
        try
        {
            utility = CapsuleCatalog.Parse(json, CapsuleCatalog.SessionSource).Single();
        }
        catch (CapsuleException ex)
        {
            ThrowCapsuleError(ex);
            return;
        }

        registrations.Entries[Name] = (utility, ScriptBlock);
        if (PassThru)
        {
            WriteObject(utility);
        }
    }
}
