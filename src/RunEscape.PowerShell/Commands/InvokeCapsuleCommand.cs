using System.Management.Automation;
using RunEscape.PowerShell.Completion;
using RunEscape.Catalog;
using RunEscape.Lifecycle;
using RunEscape.Parsing;
using RunEscape.Runtimes;
using RunEscape.Runtimes.Engine;
using RunEscape.Runtimes.Kubernetes;

namespace RunEscape.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Attaches a short-lived capsule carrying one utility to a running container, runs it and returns its output as objects.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Capsule", DefaultParameterSetName = ContainerSet)]
[OutputType("RunEscape.Parsers.TopProcess", "RunEscape.Parsers.DiskFree", "RunEscape.Parsers.DiskUsage", "RunEscape.Parsers.MountEntry", "RunEscape.Parsers.EnvironmentVariable", "RunEscape.Parsers.FileEntry", "System.String", "RunEscape.Lifecycle.CapsuleResult")]
public sealed class InvokeCapsuleCommand : RunEscapeCmdlet
{
    private const string ContainerSet = "Container";
    private const string PodSet = "Pod";
    private const string SelectorSet = "Selector";

    private KubernetesRuntime? _kubernetes;

    private readonly Dictionary<string, EngineRuntime> _runtimes = new(StringComparer.Ordinal);

    /// <summary>The catalog utility to run, e.g. top.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(UtilityCompleter))]
    public string Utility { get; set; } = string.Empty;

    /// <summary>The target container, by name or id.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ContainerSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("ContainerName", "Name", "Names", "ID")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ContainerCompleter))]
    public string[] Container { get; set; } = Array.Empty<string>();

    /// <summary>
    /// Kubernetes pods: names, namespace/name, wildcards, or pipeline objects with metadata.name and
    /// metadata.namespace (KubernetesClient V1Pod, 'kubectl get pods -o json | ConvertFrom-Json' items).
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = PodSet, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PodCompleter))]
    public object[] Pod { get; set; } = Array.Empty<object>();

    /// <summary>Kubernetes: every pod matching this label selector (e.g. app=web).</summary>
    [Parameter(Mandatory = true, ParameterSetName = SelectorSet)]
    [Alias("LabelSelector", "l")]
    [ValidateNotNullOrEmpty]
    public string? Selector { get; set; }

    /// <summary>Kubernetes: the namespace of pods named without one. Default: the kubeconfig context's.</summary>
    [Parameter(ParameterSetName = PodSet)]
    [Parameter(ParameterSetName = SelectorSet)]
    [Alias("n")]
    [ArgumentCompleter(typeof(KubeNamespaceCompleter))]
    public string? Namespace { get; set; }

    /// <summary>Kubernetes: the container whose processes the capsule sees. Default: the pod's kubectl.kubernetes.io/default-container annotation, else its first container.</summary>
    [Parameter(ParameterSetName = PodSet)]
    [Parameter(ParameterSetName = SelectorSet)]
    public string? TargetContainer { get; set; }

    /// <summary>Kubernetes: the kubeconfig context. Default: its current-context.</summary>
    [Parameter(ParameterSetName = PodSet)]
    [Parameter(ParameterSetName = SelectorSet)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    public string? Context { get; set; }

    /// <summary>Kubernetes: the kubeconfig file. Default: $KUBECONFIG, else ~/.kube/config, else the in-cluster service account.</summary>
    [Parameter(ParameterSetName = PodSet)]
    [Parameter(ParameterSetName = SelectorSet)]
    public string? Kubeconfig { get; set; }

    /// <summary>The engine API endpoint. Default: DOCKER_HOST, then the Docker socket, then the Podman socket.</summary>
    [Parameter(ParameterSetName = ContainerSet, ValueFromPipelineByPropertyName = true)]
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

    /// <summary>Cap on the bytes read from the utility's standard output (and, apart, its standard error); beyond it the output is cut off and the capsule stopped.</summary>
    [Parameter]
    [ValidateRange(1024L, long.MaxValue)]
    public long MaxOutputBytes { get; set; } = CapsuleRequest.DefaultMaxOutputBytes;

    /// <summary>User catalog files merged over the built-in catalog (after $env:RUNESCAPE_CATALOG_PATH).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? CatalogPath { get; set; }

    /// <summary>Return the utility's output lines as text instead of objects.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>Return one result object: exit code, output, parsed records and phase timings.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private CapsuleCatalog _catalog = CapsuleCatalog.Builtin;

    protected override void BeginProcessing()
    {
        try
        {
            _catalog = SessionCatalog.Load(CatalogPath?.Select(p => SessionState.Path.GetUnresolvedProviderPathFromPSPath(p)));
            _catalog.Get(Utility);
        }
        catch (CapsuleException ex)
        {
            ThrowCapsuleError(ex);
        }
    }

    protected override void ProcessRecord()
    {
        ICapsuleRuntime runtime;
        IReadOnlyList<string> targets;
        try
        {
            if (ParameterSetName == ContainerSet)
            {
                runtime = GetRuntime();
                targets = Container;
            }
            else
            {
                var kubernetes = _kubernetes ??= PodTargets.Runtime(Kubeconfig, Context, Namespace, TargetContainer);
                runtime = kubernetes;
                var pods = ParameterSetName == PodSet ? Pod.Select(PodTargets.ToTarget).ToList() : new List<string>();
                targets = Await(token => kubernetes.ExpandPodsAsync(pods, Selector, Namespace, token));
            }
        }
        catch (CapsuleException ex) when (ex.Kind is CapsuleErrorKind.TargetNotFound)
        {
            WriteCapsuleError(ex);
            return;
        }
        catch (CapsuleException ex)
        {
            ThrowCapsuleError(ex);
            return;
        }
        catch (ArgumentException ex)
        {
            WriteError(new ErrorRecord(ex, "InvalidPod", ErrorCategory.InvalidArgument, Pod));
            return;
        }

        foreach (var container in targets)
        {
            var request = new CapsuleRequest
            {
                Utility = Utility,
                Target = container,
                ArgumentList = ArgumentList,
                Timeout = TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : null,
                Raw = Raw.IsPresent,
                Registry = Registry,
                MaxOutputBytes = MaxOutputBytes,
            };

            WriteVerbose($"Attaching a '{Utility}' capsule to {(ParameterSetName == ContainerSet ? "container" : "pod")} '{container}' on {runtime.Endpoint}.");
            CapsuleResult result;
            try
            {
                var invoker = new CapsuleInvoker(runtime, _catalog);
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
            catch (Exception ex) when (ex is not PipelineStoppedException)
            {
                // Not an expected failure: still an error record that names the target, never a bare exception.
                WriteError(new ErrorRecord(ex, "UnexpectedFailure", ErrorCategory.NotSpecified, container)
                {
                    ErrorDetails = new ErrorDetails($"The '{Utility}' capsule on '{container}' failed unexpectedly: {ex.GetBaseException().Message}")
                    {
                        RecommendedAction = "Run Get-Capsule to check nothing was left behind, and report this error with its details.",
                    },
                });
                continue;
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
        if (result.CleanupFailure is not null)
        {
            WriteError(new ErrorRecord(new InvalidOperationException(result.CleanupFailure), "CapsuleNotRemoved", ErrorCategory.ResourceUnavailable, result.CapsuleName)
            {
                ErrorDetails = new ErrorDetails(result.CleanupFailure) { RecommendedAction = $"Remove it with 'Remove-Capsule -Id {result.CapsuleName}' once the engine answers again." },
            });
        }

        if (result.OutputTruncated)
        {
            WriteWarning($"{result.Target}: the {result.Utility} output reached -MaxOutputBytes ({MaxOutputBytes} bytes) and was cut off; the capsule was stopped. The last line may be incomplete.");
        }

        if (result.ExitCode == 0 && string.IsNullOrWhiteSpace(result.StandardOutput) && !string.IsNullOrWhiteSpace(result.StandardError))
        {
            // Some utilities exit 0 after rejecting their arguments (procps-ng top does): nothing on
            // stdout and a complaint on stderr is a failure whatever the exit code says.
            var complaint = $"The '{result.Utility}' capsule on '{result.Target}' printed nothing and reported: {result.StandardError.Trim()}";
            WriteError(new ErrorRecord(new InvalidOperationException(complaint), "UtilityFailed", ErrorCategory.InvalidResult, result.Target)
            {
                ErrorDetails = new ErrorDetails(complaint) { RecommendedAction = "Check -ArgumentList against the utility's usage." },
            });
            if (PassThru)
            {
                WriteObject(result);
            }

            return;
        }

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
            WriteError(RecordOutput.ParserError(result.Utility, issue));
        }

        var utility = _catalog.Get(result.Utility);
        var script = SessionCatalog.ScriptFor(utility);
        if (script is not null)
        {
            var output = RecordOutput.RunScript(script, result.StandardOutput, result.Target, out var failure);
            foreach (var o in output)
            {
                WriteObject(o);
            }

            if (failure is not null)
            {
                WriteError(RecordOutput.ScriptError(utility, failure, result.StandardOutput));
            }

            return;
        }

        foreach (var summary in result.Summary)
        {
            WriteInformation(RecordOutput.ToOutput(summary), new[] { "RunEscape", "Summary", result.Utility });
        }

        foreach (var item in result.Items)
        {
            WriteObject(RecordOutput.ToOutput(item));
        }
    }

    /// <summary>The text's lines, blank ones included; the newline that ends the text adds no line.</summary>
    private static IEnumerable<string> SplitLines(string text)
    {
        if (text.Length == 0)
        {
            return Array.Empty<string>();
        }

        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

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
        _kubernetes?.Dispose();
        _kubernetes = null;
        foreach (var r in _runtimes.Values)
        {
            r.Dispose();
        }

        _runtimes.Clear();
    }
}
