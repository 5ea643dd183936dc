using System.Management.Automation;
using RunEscape.PowerShell.Completion;
using RunEscape.Catalog;

namespace RunEscape.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Lists the utilities a capsule can carry: image, command, parser, namespaces and capabilities.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "CapsuleCatalog")]
[OutputType("RunEscape.Catalog.CapsuleUtility")]
public sealed class GetCapsuleCatalogCommand : RunEscapeCmdlet
{
    /// <summary>Names to list; wildcards allowed. Default: all.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Utility")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(UtilityCompleter))]
    public string[] Name { get; set; } = new[] { "*" };

    /// <summary>User catalog files merged over the built-in catalog (after $env:RUNESCAPE_CATALOG_PATH).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? CatalogPath { get; set; }

    private CapsuleCatalog _catalog = CapsuleCatalog.Builtin;

    protected override void BeginProcessing()
    {
        try
        {
            _catalog = SessionCatalog.Load(CatalogPath?.Select(p => SessionState.Path.GetUnresolvedProviderPathFromPSPath(p)));
        }
        catch (CapsuleException ex)
        {
            ThrowCapsuleError(ex);
        }
    }

    protected override void ProcessRecord()
    {
        var all = _catalog.Utilities;
        foreach (var name in Name)
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
            var matches = all.Where(u => pattern.IsMatch(u.Name)).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                try
                {
                    _catalog.Get(name);
                }
                catch (CapsuleException ex)
                {
                    WriteCapsuleError(ex);
                }

                continue;
            }

            foreach (var u in matches)
            {
                WriteObject(u);
            }
        }
    }
}
