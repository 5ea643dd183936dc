using System.Management.Automation;
using System.Text;
using RunEscape.Catalog;
using RunEscape.Parsing;

namespace RunEscape.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Parses text captured elsewhere (kubectl exec, logs, a file) with a catalog utility's parser into the same objects Invoke-Capsule returns.</para>
/// </summary>
[Cmdlet(VerbsData.ConvertFrom, "CapsuleOutput")]
[OutputType("RunEscape.Parsing.CapsuleRecord")]
public sealed class ConvertFromCapsuleOutputCommand : RunEscapeCmdlet
{
    private readonly StringBuilder _text = new();
    private CapsuleCatalog _catalog = CapsuleCatalog.Builtin;
    private bool _any;

    /// <summary>The catalog utility whose parser reads the text (e.g. top, df, mount); a parser name works too.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Utility { get; set; } = string.Empty;

    /// <summary>The output variant (e.g. busybox, environ, bytes); default: detected.</summary>
    [Parameter]
    public string? Variant { get; set; }

    /// <summary>The text: one string, or lines from the pipeline (Get-Content, kubectl exec …).</summary>
    [Parameter(Position = 1, ValueFromPipeline = true)]
    [AllowEmptyString]
    [AllowNull]
    public string[]? InputObject { get; set; }

    /// <summary>User catalog files merged over the built-in catalog.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? CatalogPath { get; set; }

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
        if (InputObject is null)
        {
            return;
        }

        // Pipeline items are lines (or whole strings); joined with line ends they are the same text.
        foreach (var item in InputObject)
        {
            if (_any)
            {
                _text.Append('\n');
            }

            _text.Append(item);
            _any = true;
        }
    }

    protected override void EndProcessing()
    {
        var text = _text.ToString();
        string parserName;
        CapsuleUtility? utility = null;
        if (_catalog.TryGet(Utility, out var found))
        {
            utility = found;
            parserName = found.Parser;
        }
        else if (ParserRegistry.TryGet(Utility, out _))
        {
            parserName = Utility;
        }
        else
        {
            try
            {
                _catalog.Get(Utility);
            }
            catch (CapsuleException ex)
            {
                ThrowCapsuleError(ex);
            }

            return;
        }

        var script = utility is null ? null : SessionCatalog.ScriptFor(utility);
        if (script is not null)
        {
            var output = RecordOutput.RunScript(script, text, null, out var failure);
            foreach (var o in output)
            {
                WriteObject(o);
            }

            if (failure is not null)
            {
                WriteError(RecordOutput.ScriptError(utility!, failure, text));
            }

            return;
        }

        var parser = ParserRegistry.Get(parserName);
        if (Variant is not null && !parser.Info.Variants.Contains(Variant, StringComparer.OrdinalIgnoreCase))
        {
            ThrowCapsuleError(new CapsuleException(
                CapsuleErrorKind.InvalidArgument,
                $"The {parser.Info.Name} parser has no variant '{Variant}'; it reads: {string.Join(", ", parser.Info.Variants)}.",
                Variant,
                "Leave -Variant out to detect it, or pass one of the variants named."));
        }

        var context = new ParseContext { Variant = Variant?.ToLowerInvariant() };
        var records = parser.Parse(text, context).ToList();
        foreach (var issue in context.Issues)
        {
            WriteError(RecordOutput.ParserError(Utility, issue));
        }

        foreach (var r in records)
        {
            if (parser.Info.PrimaryRecordType.IsInstanceOfType(r))
            {
                WriteObject(RecordOutput.ToOutput(r));
            }
            else
            {
                WriteInformation(RecordOutput.ToOutput(r), new[] { "RunEscape", "Summary", Utility });
            }
        }
    }
}
