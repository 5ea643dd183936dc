using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using RunEscape.Runtimes.Kubernetes;

namespace RunEscape.PowerShell.Completion;

/// <summary>Shared rules for RunEscape's argument completers: wildcard-aware matching and quoting.</summary>
internal static class CompletionHelper
{
    /// <summary>How long a completer may wait for an engine before it offers nothing.</summary>
    internal static readonly TimeSpan EngineTimeout = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// The candidates that match what was typed so far: a prefix, or a wildcard pattern when the
    /// word holds *, ? or [ (then a trailing * is implied). Quotes the user typed are ignored.
    /// </summary>
    internal static IEnumerable<CompletionResult> Complete(string? wordToComplete, IEnumerable<(string Value, string ToolTip)> candidates)
    {
        var word = Unquote(wordToComplete ?? string.Empty);
        var pattern = WildcardPattern.Get(
            WildcardPattern.ContainsWildcardCharacters(word) ? word.TrimEnd('*') + "*" : WildcardPattern.Escape(word) + "*",
            WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
        return candidates
            .Where(c => pattern.IsMatch(c.Value))
            .GroupBy(c => c.Value, StringComparer.Ordinal)
            .Select(g => g.First())
            .OrderBy(c => c.Value, StringComparer.OrdinalIgnoreCase)
            .Select(c => new CompletionResult(Quote(c.Value), c.Value, CompletionResultType.ParameterValue, string.IsNullOrEmpty(c.ToolTip) ? c.Value : c.ToolTip))
            .ToList();
    }

    /// <summary>Single-quotes a value when the tokenizer would otherwise split or expand it.</summary>
    internal static string Quote(string value)
    {
        if (value.Length > 0 && value.All(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' or ':' or '/'))
        {
            return value;
        }

        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    internal static string Unquote(string word)
    {
        if (word.Length > 0 && (word[0] == '\'' || word[0] == '"'))
        {
            word = word[1..];
            if (word.Length > 0 && (word[^1] == '\'' || word[^1] == '"'))
            {
                word = word[..^1];
            }
        }

        return word;
    }

    /// <summary>The -EngineUri the user already typed on the command line, if any.</summary>
    internal static string? BoundString(IDictionary? fakeBoundParameters, string name)
    {
        if (fakeBoundParameters is null || !fakeBoundParameters.Contains(name))
        {
            return null;
        }

        var value = fakeBoundParameters[name];
        return value is PSObject pso ? pso.BaseObject?.ToString() : value?.ToString();
    }

    /// <summary>
    /// The Kubernetes settings typed on the line: -Kubeconfig (a PowerShell path, resolved against
    /// the current location), -Context and, when <paramref name="withNamespace"/>, -Namespace.
    /// </summary>
    internal static KubernetesOptions KubernetesOptions(IDictionary? fakeBoundParameters, bool withNamespace = false) => new()
    {
        Kubeconfig = ResolvePath(BoundString(fakeBoundParameters, "Kubeconfig")),
        Context = BoundString(fakeBoundParameters, "Context"),
        Namespace = withNamespace ? BoundString(fakeBoundParameters, "Namespace") : null,
    };

    /// <summary>True when the line names any Kubernetes parameter of Get-Capsule/Remove-Capsule.</summary>
    internal static bool OnKubernetes(IDictionary? fakeBoundParameters) =>
        fakeBoundParameters is not null && (fakeBoundParameters.Contains("Kubernetes") || fakeBoundParameters.Contains("Namespace") || fakeBoundParameters.Contains("Context") || fakeBoundParameters.Contains("Kubeconfig"));

    private static string? ResolvePath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        try
        {
            return Runspace.DefaultRunspace?.SessionStateProxy.Path.GetUnresolvedProviderPathFromPSPath(path) ?? Path.GetFullPath(path);
        }
        catch (Exception)
        {
            // Not a file-system path PowerShell can resolve: leave it as typed.
            return path;
        }
    }

    /// <summary>Runs an engine query with <see cref="EngineTimeout"/>; any failure or a slow engine gives an empty list.</summary>
    internal static IReadOnlyList<T> FromEngine<T>(Func<CancellationToken, Task<IReadOnlyList<T>>> query)
    {
        using var cts = new CancellationTokenSource(EngineTimeout);
        try
        {
            var task = Task.Run(() => query(cts.Token), cts.Token);
            return task.Wait(EngineTimeout) ? task.Result : Array.Empty<T>();
        }
        catch (Exception)
        {
            // Completion must never throw: no engine, a refused socket or a timeout offers nothing.
            return Array.Empty<T>();
        }
    }
}
