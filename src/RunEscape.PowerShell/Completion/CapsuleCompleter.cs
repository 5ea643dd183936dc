using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using RunEscape.Lifecycle;
using RunEscape.Runtimes;
using RunEscape.Runtimes.Engine;
using RunEscape.Runtimes.Kubernetes;

namespace RunEscape.PowerShell.Completion;

/// <summary>
/// Completes Remove-Capsule -Id with the capsules that exist now (short timeout, never throws):
/// their names on an engine, their namespace/pod/capsule ids when the line names a Kubernetes
/// parameter (-Kubernetes, -Namespace, -Context, -Kubeconfig).
/// </summary>
public sealed class CapsuleCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var onKubernetes = CompletionHelper.OnKubernetes(fakeBoundParameters);
        var capsules = CompletionHelper.FromEngine<CapsuleInfo>(async token =>
        {
            using ICapsuleRuntime runtime = onKubernetes
                ? new KubernetesRuntime(CompletionHelper.KubernetesOptions(fakeBoundParameters, withNamespace: true))
                : new EngineRuntime(EngineEndpoint.Resolve(CompletionHelper.BoundString(fakeBoundParameters, "EngineUri")));
            return await runtime.ListCapsulesAsync(token).ConfigureAwait(false);
        });
        return CompletionHelper.Complete(wordToComplete, capsules.Select(c => (onKubernetes ? c.Id : c.Name, $"{c.Utility} capsule on {c.Target} ({c.State})")));
    }
}
