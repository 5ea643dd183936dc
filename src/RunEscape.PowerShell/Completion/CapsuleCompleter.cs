using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using RunEscape.Lifecycle;
using RunEscape.Runtimes.Engine;

namespace RunEscape.PowerShell.Completion;

/// <summary>Completes Remove-Capsule -Id with the names of the capsules that exist now (short timeout, never throws).</summary>
public sealed class CapsuleCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var capsules = CompletionHelper.FromEngine<CapsuleInfo>(async token =>
        {
            using var runtime = new EngineRuntime(EngineEndpoint.Resolve(CompletionHelper.BoundString(fakeBoundParameters, "EngineUri")));
            return await runtime.ListCapsulesAsync(token).ConfigureAwait(false);
        });
        return CompletionHelper.Complete(wordToComplete, capsules.Select(c => (c.Name, $"{c.Utility} capsule on {c.Target} ({c.State})")));
    }
}
