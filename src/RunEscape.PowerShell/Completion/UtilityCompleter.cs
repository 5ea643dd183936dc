using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using RunEscape.Catalog;

namespace RunEscape.PowerShell.Completion;

/// <summary>Completes -Utility from the capsule catalog; the tooltip is the entry's description.</summary>
public sealed class UtilityCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        IEnumerable<(string, string)> candidates;
        try
        {
            candidates = CapsuleCatalog.Builtin.Utilities.Select(u => (u.Name, $"{u.Name}: {u.Description}")).ToList();
        }
        catch (Exception)
        {
            candidates = Array.Empty<(string, string)>();
        }

        return CompletionHelper.Complete(wordToComplete, candidates);
    }
}
