using System.Management.Automation;
using RunEscape.Catalog;
using RunEscape.Lifecycle;
using RunEscape.Parsing;

namespace RunEscape.PowerShell;

/// <summary>
/// Turns one capsule outcome into output: records (or lines, or the result with -PassThru),
/// warnings, and non-terminating errors that name the target. Used on the pipeline thread and
/// by -AsJob jobs alike.
/// </summary>
internal sealed class CapsuleEmitter
{
    private readonly CapsuleCatalog _catalog;

    internal CapsuleEmitter(CapsuleCatalog catalog, string utility)
    {
        _catalog = catalog;
        Utility = utility;
    }

    internal string Utility { get; }

    internal bool Raw { get; init; }

    /// <summary>Standard error lines written as warnings at the most; the rest are counted in one more.</summary>
    internal const int MaxStandardErrorWarnings = 20;

    /// <summary>Lines the parser could not read written as ParserError errors at the most; the rest are counted in a warning.</summary>
    internal const int MaxParserErrors = 20;

    /// <summary>Characters of standard error quoted in an error message at the most.</summary>
    internal const int MaxQuotedStandardError = 2000;

    internal bool PassThru { get; init; }

    internal long MaxOutputBytes { get; init; }

    internal long MaxOutputLines { get; init; }

    /// <summary>Scriptblock parsers run in the caller's runspace: only on the pipeline thread.</summary>
    internal bool CanRunScripts { get; init; } = true;

    /// <summary>
    /// Writes one outcome. Returns the error that should end the whole command (the engine or
    /// API server is unreachable), else null: a failed target is a non-terminating error.
    /// </summary>
    internal ErrorRecord? Write(CapsuleOutcome outcome, ICapsuleOutput output)
    {
        if (outcome.Result is { } result)
        {
            output.Verbose($"Capsule {result.CapsuleName} on {result.Engine}: exit code {result.ExitCode}; namespaces {string.Join(",", result.SharedNamespaces)}; {result.Timings}.");
            Emit(result, output);
            return null;
        }

        switch (outcome.Error)
        {
            case CapsuleException ex when ex.Kind == CapsuleErrorKind.EngineUnreachable:
                return ErrorRecords.From(ex);
            case CapsuleException ex:
                output.Error(ErrorRecords.From(ex));
                return null;
            case OperationCanceledException:
                // The batch was cancelled (pipeline stopped, job stopped): the capsule removed itself.
                return null;
            case { } ex:
                // Not an expected failure: still an error record that names the target, never a bare exception.
                output.Error(new ErrorRecord(ex, "UnexpectedFailure", ErrorCategory.NotSpecified, outcome.Target)
                {
                    ErrorDetails = new ErrorDetails($"The '{Utility}' capsule on '{outcome.Target}' failed unexpectedly: {ex.GetBaseException().Message}")
                    {
                        RecommendedAction = "Run Get-Capsule to check nothing was left behind, and report this error with its details.",
                    },
                });
                return null;
            default:
                return null;
        }
    }

    private void Emit(CapsuleResult result, ICapsuleOutput output)
    {
        if (result.CleanupFailure is not null)
        {
            output.Error(new ErrorRecord(new InvalidOperationException(result.CleanupFailure), "CapsuleNotRemoved", ErrorCategory.ResourceUnavailable, result.CapsuleName)
            {
                ErrorDetails = new ErrorDetails(result.CleanupFailure)
                {
                    RecommendedAction = result.Engine == "kubernetes"
                        ? "It ends at its own deadline; 'Get-Capsule -Kubeconfig …' shows its state. Capsule images that carry pkill (runescape/capsule-procps, runescape/capsule-busybox) can be stopped early."
                        : $"Remove it with 'Remove-Capsule -Id {result.CapsuleName}' once the engine answers again.",
                },
            });
        }

        if (result.OutputTruncated)
        {
            // A capsule still running at the cap was stopped, so its exit code (143, 137) says
            // nothing of the utility. One that could not be stopped is the error above.
            var rest = result.CleanupFailure is null ? " The rest was not read, and the capsule was stopped if it was still running." : " The rest was not read.";
            output.Warning(result.OutputTruncatedBy == OutputLimit.Records
                ? $"{result.Target}: the {result.Utility} output holds more than {MaxOutputLines} JSON {(MaxOutputLines == 1 ? "value" : "values")} (records, fields and array items); parsing stopped there and the record it was in was dropped. -MaxOutputLines caps them as well as lines."
                : result.OutputTruncatedBy == OutputLimit.Lines
                ? $"{result.Target}: the {result.Utility} output reached -MaxOutputLines ({MaxOutputLines} {(MaxOutputLines == 1 ? "line" : "lines")}) and was cut off after the last whole line.{rest}"
                : $"{result.Target}: the {result.Utility} output reached -MaxOutputBytes ({MaxOutputBytes} bytes) and was cut off; the last line may be incomplete.{rest}");
        }

        if (result.RedactedNames.Count > 0)
        {
            output.Verbose($"{result.Target}: masked the values of {string.Join(", ", result.RedactedNames)}; -ShowSecrets shows them.");
        }

        if (result.ExitCode == 0 && string.IsNullOrWhiteSpace(result.StandardOutput) && !string.IsNullOrWhiteSpace(result.StandardError))
        {
            // Some utilities exit 0 after rejecting their arguments (procps-ng top does): nothing on
            // stdout and a complaint on stderr is a failure whatever the exit code says.
            var complaint = $"The '{result.Utility}' capsule on '{result.Target}' printed nothing and reported: {ParseIssue.Clip(result.StandardError.Trim(), MaxQuotedStandardError)}";
            output.Error(new ErrorRecord(new InvalidOperationException(complaint), "UtilityFailed", ErrorCategory.InvalidResult, result.Target)
            {
                ErrorDetails = new ErrorDetails(complaint) { RecommendedAction = "Check -ArgumentList against the utility's usage." },
            });
            if (PassThru)
            {
                output.Object(result);
            }

            return;
        }

        if (result.ExitCode != 0 && !result.OutputTruncated)
        {
            var message = $"The '{result.Utility}' capsule on '{result.Target}' exited with code {result.ExitCode}.";
            if (!string.IsNullOrWhiteSpace(result.StandardError))
            {
                message += " " + ParseIssue.Clip(result.StandardError.Trim(), MaxQuotedStandardError);
            }

            output.Error(new ErrorRecord(new InvalidOperationException(message), "UtilityFailed", ErrorCategory.InvalidResult, result.Target)
            {
                ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Check -ArgumentList; run with -Raw to see the utility's own output." },
            });
        }
        else
        {
            // A utility that floods stderr (or is stopped mid-flood) must not become millions of
            // warnings: the first lines are warnings, the rest are counted; -PassThru has them all.
            var shown = 0;
            var more = 0;
            foreach (var line in SplitLines(result.StandardError))
            {
                if (shown < MaxStandardErrorWarnings)
                {
                    output.Warning($"{result.Target}: {ParseIssue.Clip(line)}");
                    shown++;
                }
                else
                {
                    more++;
                }
            }

            if (more > 0)
            {
                output.Warning($"{result.Target}: {more} more lines on the {result.Utility} standard error; -PassThru returns the whole StandardError.");
            }
        }

        if (PassThru)
        {
            output.Object(result);
            return;
        }

        if (Raw)
        {
            foreach (var line in SplitLines(result.StandardOutput))
            {
                output.Object(line);
            }

            return;
        }

        // Output no parser reads (binary garbage, the wrong -Variant) must not become a million
        // errors either: the first are errors, the rest are counted; -PassThru has them all.
        foreach (var issue in result.ParseIssues.Take(MaxParserErrors))
        {
            output.Error(RecordOutput.ParserError(result.Utility, issue));
        }

        if (result.ParseIssues.Count > MaxParserErrors)
        {
            output.Warning($"{result.Target}: {result.ParseIssues.Count - MaxParserErrors} more lines of the {result.Utility} output could not be parsed; -PassThru returns them all in ParseIssues.");
        }

        var utility = _catalog.Get(result.Utility);
        var script = CanRunScripts ? SessionCatalog.ScriptFor(utility) : null;
        if (script is not null)
        {
            var objects = RecordOutput.RunScript(script, result.StandardOutput, result.Target, out var failure);
            foreach (var o in objects)
            {
                output.Object(o);
            }

            if (failure is not null)
            {
                output.Error(RecordOutput.ScriptError(utility, failure, result.StandardOutput));
            }

            return;
        }

        foreach (var summary in result.Summary)
        {
            output.Information(RecordOutput.ToOutput(summary), new[] { "RunEscape", "Summary", result.Utility });
        }

        foreach (var item in result.Items)
        {
            output.Object(RecordOutput.ToOutput(item));
        }
    }

    /// <summary>
    /// The text's lines, blank ones included; the newline that ends the text adds no line. Lazy:
    /// a line is cut from the text only when it is written, so -Raw holds no second copy of it.
    /// </summary>
    internal static IEnumerable<string> SplitLines(string text)
    {
        var at = 0;
        while (at < text.Length)
        {
            var lf = text.IndexOf('\n', at);
            var end = lf < 0 ? text.Length : lf;
            var length = end - at;
            while (length > 0 && text[at + length - 1] == '\r')
            {
                length--;
            }

            yield return text.Substring(at, length);
            at = end + 1;
        }
    }
}
