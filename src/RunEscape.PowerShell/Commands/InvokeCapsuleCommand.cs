using System.Management.Automation;
using RunEscape.PowerShell.Completion;
using RunEscape.Catalog;
using RunEscape.Lifecycle;
using RunEscape.Parsing;
using RunEscape.Runtimes.Engine;

namespace RunEscape.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Attaches a short-lived capsule carrying one utility to a running container, runs it and returns its output as objects.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Capsule", DefaultParameterSetName = ContainerSet)]
[OutputType("RunEscape.Parsers.TopProcess", "System.String", "RunEscape.Lifecycle.CapsuleResult")]
public sealed class InvokeCapsuleCommand : RunEscapeCmdlet
{
    private const string ContainerSet = "Container";

    private readonly Dictionary<string, EngineRuntime> _runtimes = new(StringComparer.Ordinal);

    /// <summary>The catalog utility to run, e.g. top.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(UtilityCompleter))]
    public string Utility { get; set; } = string.Empty;

    /// <summary>The target container, by name or id.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ContainerSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ContainerName", "Name")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    public string[] Container { get; set; } = Array.Empty<string>();

    /// <summary>The engine API endpoint. Default: DOCKER_HOST, then the Docker socket, then the Podman socket.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Endpoint", "DockerHost")]
    public string? EngineUri { get; set; }

    /// <summary>Extra arguments appended to the utility's command line, passed as argv (no shell).</summary>
    [Parameter]
    [Alias("Args")]
    public string[] ArgumentList { get; set; } = Array.Empty<string>();

    /// <summary>Seconds before the capsule is stopped and removed. Default: the catalog entry's.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; }

    /// <summary>Registry to take the built-in capsule images from (default: $env:RUNESCAPE_REGISTRY, else the images build.ps1 built).</summary>
    [Parameter]
    public string? Registry { get; set; }

    /// <summary>Return the utility's output lines as text instead of objects.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>Return one result object: exit code, output, parsed records and phase timings.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void BeginProcessing()
    {
        if (!CapsuleCatalog.Builtin.TryGet(Utility, out _))
        {
            try
            {
                CapsuleCatalog.Builtin.Get(Utility);
            }
            catch (CapsuleException ex)
            {
                ThrowCapsuleError(ex);
            }
        }
    }

    protected override void ProcessRecord()
    {
        EngineRuntime runtime;
        try
        {
            runtime = GetRuntime();
        }
        catch (CapsuleException ex)
        {
            ThrowCapsuleError(ex);
            return;
        }

        foreach (var container in Container)
        {
            var request = new CapsuleRequest
            {
                Utility = Utility,
                Target = container,
                ArgumentList = ArgumentList,
                Timeout = TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : null,
                Raw = Raw.IsPresent,
                Registry = Registry,
            };

            WriteVerbose($"Attaching a '{Utility}' capsule to container '{container}' on {runtime.Endpoint}.");
            CapsuleResult result;
            try
            {
                var invoker = new CapsuleInvoker(runtime, CapsuleCatalog.Builtin);
                result = Await(token => invoker.InvokeAsync(request, token));
            }
            catch (CapsuleException ex) when (ex.Kind == CapsuleErrorKind.EngineUnreachable)
            {
                ThrowCapsuleError(ex);
                return;
            }
            catch (CapsuleException ex)
            {
                WriteCapsuleError(ex);
                continue;
            }
            catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
            {
                // The pipeline was stopped; the capsule has been removed in the lifecycle's finally.
                throw new PipelineStoppedException();
            }

            WriteVerbose($"Capsule {result.CapsuleName} on {result.Engine}: exit code {result.ExitCode}; namespaces {string.Join(",", result.SharedNamespaces)}; {result.Timings}.");
            Emit(result);
        }
    }

    protected override void EndProcessing() => DisposeRuntimes();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeRuntimes();
        }

        base.Dispose(disposing);
    }

    private void Emit(CapsuleResult result)
    {
        if (result.ExitCode != 0)
        {
            var message = $"The '{result.Utility}' capsule on '{result.Target}' exited with code {result.ExitCode}.";
            if (!string.IsNullOrWhiteSpace(result.StandardError))
            {
                message += " " + result.StandardError.Trim();
            }

            WriteError(new ErrorRecord(new InvalidOperationException(message), "UtilityFailed", ErrorCategory.InvalidResult, result.Target)
            {
                ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Check -ArgumentList; run with -Raw to see the utility's own output." },
            });
        }
        else
        {
            foreach (var line in SplitLines(result.StandardError))
            {
                WriteWarning($"{result.Target}: {line}");
            }
        }

        if (PassThru)
        {
            WriteObject(result);
            return;
        }

        if (Raw)
        {
            foreach (var line in SplitLines(result.StandardOutput))
            {
                WriteObject(line);
            }

            return;
        }

        foreach (var issue in result.ParseIssues)
        {
            WriteError(new ErrorRecord(
                new FormatException($"{result.Utility} output, {issue}"),
                "ParserError",
                ErrorCategory.ParserError,
                issue.Line)
            {
                ErrorDetails = new ErrorDetails($"Line {issue.LineNumber} of the {result.Utility} output could not be read: {issue.Message}.")
                {
                    RecommendedAction = "The other lines were read; run with -Raw to see the output as text.",
                },
            });
        }

        foreach (var summary in result.Summary)
        {
            WriteInformation(summary, new[] { "RunEscape", "Summary", result.Utility });
        }

        foreach (var item in result.Items)
        {
            WriteObject(item);
        }
    }

    private static IEnumerable<string> SplitLines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0);

    private EngineRuntime GetRuntime()
    {
        var uri = EngineEndpoint.Resolve(EngineUri);
        var key = uri.ToString();
        if (!_runtimes.TryGetValue(key, out var runtime))
        {
            runtime = new EngineRuntime(uri);
            _runtimes[key] = runtime;
        }

        return runtime;
    }

    private void DisposeRuntimes()
    {
        foreach (var r in _runtimes.Values)
        {
            r.Dispose();
        }

        _runtimes.Clear();
    }
}
