using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using RunEscape.Runtimes.Engine;

namespace RunEscape.PowerShell.Completion;

/// <summary>
/// Completes -Container with the running containers of the engine (-EngineUri when typed, else
/// the default endpoint). Asks the engine with a short timeout; no engine means no suggestions,
/// never an error.
/// </summary>
public sealed class ContainerCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var names = CompletionHelper.FromEngine<string>(async token =>
        {
            using var runtime = new EngineRuntime(EngineEndpoint.Resolve(CompletionHelper.BoundString(fakeBoundParameters, "EngineUri")));
            return await runtime.ListTargetNamesAsync(token).ConfigureAwait(false);
        });
        return CompletionHelper.Complete(wordToComplete, names.Select(n => (n, $"container {n}")));
    }
}
