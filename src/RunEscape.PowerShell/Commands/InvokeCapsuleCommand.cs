using System.Management.Automation;
using RunEscape.PowerShell.Completion;
using RunEscape.Catalog;
using RunEscape.Lifecycle;
using RunEscape.Parsing;
using RunEscape.Runtimes;
using RunEscape.Runtimes.Engine;
using RunEscape.Runtimes.Kubernetes;
using RunEscape.Security;

namespace RunEscape.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Attaches a short-lived capsule carrying one utility to a running container, runs it and returns its output as objects.</para>
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "Capsule", DefaultParameterSetName = ContainerSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType("RunEscape.Parsers.TopProcess", "RunEscape.Parsers.DiskFree", "RunEscape.Parsers.DiskUsage", "RunEscape.Parsers.MountEntry", "RunEscape.Parsers.EnvironmentVariable", "RunEscape.Parsers.FileEntry", "System.String", "RunEscape.Lifecycle.CapsuleResult", "System.Management.Automation.Job")]
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
    [ValidateRange(1024L, CapsuleRequest.MaxOutputBytesLimit)]
    public long MaxOutputBytes { get; set; } = CapsuleRequest.DefaultMaxOutputBytes;

    /// <summary>Cap on the lines read from the utility's standard output (each may become a record); beyond it the output is cut off and the capsule stopped.</summary>
    [Parameter]
    [ValidateRange(1L, CapsuleRequest.MaxOutputLinesLimit)]
    public long MaxOutputLines { get; set; } = CapsuleRequest.DefaultMaxOutputLines;

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

    /// <summary>How many capsules run at once across the targets (default 10). Results stream as each target finishes.</summary>
    [Parameter]
    [ValidateRange(1, 256)]
    public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

    /// <summary>Run in the background and return a job (Receive-Job, Wait-Job, Stop-Job).</summary>
    [Parameter]
    public SwitchParameter AsJob { get; set; }

    /// <summary>Name of the job -AsJob returns.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? JobName { get; set; }

    /// <summary>Run the capsule privileged: every capability and the host's devices. Asks for confirmation unless -Force or -Confirm:$false; a policy may forbid it.</summary>
    [Parameter]
    public SwitchParameter Privileged { get; set; }

    /// <summary>Skip the confirmation -Privileged asks for.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Show environment values whose names look like secrets (TOKEN, PASSWORD, SECRET, KEY, ...) instead of masking them.</summary>
    [Parameter]
    public SwitchParameter ShowSecrets { get; set; }

    /// <summary>The default -ThrottleLimit: on a 2-core machine the engine, not the client, is the ceiling beyond it.</summary>
    internal const int DefaultThrottleLimit = 10;

    /// <summary>How long a stopped command waits for its capsules to remove themselves.</summary>
    private static readonly TimeSpan CleanupWait = TimeSpan.FromSeconds(30);

    private CapsuleCatalog _catalog = CapsuleCatalog.Builtin;
    private CapsulePolicy _policy = CapsulePolicy.Open;
    private CapsuleEmitter? _emitter;
    private CapsuleBatch? _batch;
    private FanOutProgress? _progress;
    private CmdletOutput? _output;
    private int _seen;
    private bool _yesToAll;
    private bool _noToAll;
    private readonly List<(ICapsuleRuntime Runtime, CapsuleRequest Request)> _jobWork = new();

    protected override void BeginProcessing()
    {
        try
        {
            _catalog = SessionCatalog.Load(CatalogPath?.Select(p => SessionState.Path.GetUnresolvedProviderPathFromPSPath(p)));
            var utility = _catalog.Get(Utility);
            // A policy that forbids -Privileged refuses each invocation in the engine, where the
            // refusal is audited like any other.
            _policy = CapsulePolicy.Current();

            if (AsJob && SessionCatalog.ScriptFor(utility) is not null)
            {
                throw new CapsuleException(
                    CapsuleErrorKind.NotSupported,
                    $"'{Utility}' is parsed by a scriptblock registered in this session, which a background job cannot run.",
                    Utility,
                    "Run it without -AsJob, or register the utility with a built-in parser (-Parser).");
            }
        }
        catch (CapsuleException ex)
        {
            ThrowCapsuleError(ex);
        }

        _emitter = new CapsuleEmitter(_catalog, Utility)
        {
            Raw = Raw.IsPresent,
            PassThru = PassThru.IsPresent,
            MaxOutputBytes = MaxOutputBytes,
            MaxOutputLines = MaxOutputLines,
            CanRunScripts = !AsJob,
        };
        _output = new CmdletOutput(this);
        _progress = new FanOutProgress(_output, Utility);
        if (!AsJob)
        {
            _batch = new CapsuleBatch(ThrottleLimit, CancellationToken);
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
                var kubernetes = _kubernetes ??= PodTargets.Runtime(PodTargets.ResolvePath(SessionState, Kubeconfig), Context, Namespace, TargetContainer);
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
            Stop();
            ThrowCapsuleError(ex);
            return;
        }
        catch (ArgumentException ex)
        {
            WriteError(new ErrorRecord(ex, "InvalidPod", ErrorCategory.InvalidArgument, Pod));
            return;
        }

        var kind = ParameterSetName == ContainerSet ? "container" : "pod";
        foreach (var target in targets)
        {
            if (!Confirm(target, kind))
            {
                continue;
            }

            var request = new CapsuleRequest
            {
                Utility = Utility,
                Target = target,
                ArgumentList = ArgumentList,
                Timeout = TimeoutSec > 0 ? TimeSpan.FromSeconds(TimeoutSec) : null,
                Raw = Raw.IsPresent,
                Registry = Registry,
                MaxOutputBytes = MaxOutputBytes,
                MaxOutputLines = MaxOutputLines,
                Privileged = Privileged.IsPresent,
                ShowSecrets = ShowSecrets.IsPresent,
            };
            _seen++;
            if (AsJob)
            {
                _jobWork.Add((runtime, request));
                continue;
            }

            var invoker = new CapsuleInvoker(runtime, _catalog, _policy);
            Guarded(() =>
            {
                // Announced when it really starts: a downstream Select-Object -First may end the
                // command while this target waits for a slot.
                _batch!.WaitForSlot(Deliver);
                WriteVerbose($"Attaching a '{Utility}' capsule to {kind} '{target}' on {runtime.Endpoint}.");
                _batch.Start(target, token => invoker.InvokeAsync(request, token), Deliver);
                _progress!.Update(_batch.Delivered, _seen, _batch.InFlight, target);
            });
        }

        // Hand over what finished meanwhile, so results stream while pipeline input still arrives.
        Guarded(() => _batch?.Drain(Deliver));
    }

    protected override void EndProcessing()
    {
        if (AsJob)
        {
            StartJob();
            return;
        }

        Guarded(() => _batch!.WaitAll(Deliver));
        _progress!.Complete();
        DisposeRuntimes();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _batch?.Dispose();
            _batch = null;
            DisposeRuntimes();
        }

        base.Dispose(disposing);
    }

    /// <summary>ShouldProcess for every target; -Privileged also asks (ShouldContinue) unless -Force or -Confirm was given.</summary>
    private bool Confirm(string target, string kind)
    {
        var description = $"{kind} '{target}'";
        var action = Privileged
            ? $"Attach a PRIVILEGED '{Utility}' capsule (every capability, the host's devices)"
            : $"Attach a '{Utility}' capsule";
        if (!ShouldProcess(description, action))
        {
            return false;
        }

        if (!Privileged || Force || MyInvocation.BoundParameters.ContainsKey("Confirm") || !_policy.AllowPrivileged)
        {
            // (A forbidden privileged capsule needs no confirmation: the policy refuses it.)
            return true;
        }

        try
        {
            return ShouldContinue(
                $"Run a privileged '{Utility}' capsule in {description}? It gets every capability and the host's devices, so it can change the target and the host.",
                "Privileged capsule",
                ref _yesToAll,
                ref _noToAll);
        }
        catch (Exception ex) when (ex is PSInvalidOperationException or System.Management.Automation.Host.HostException or NotImplementedException or NullReferenceException)
        {
            Stop();
            ThrowTerminatingError(new ErrorRecord(ex, "PrivilegedNotConfirmed", ErrorCategory.PermissionDenied, target)
            {
                ErrorDetails = new ErrorDetails(ex is NullReferenceException
                    ? "A privileged capsule needs confirmation, and this session cannot ask for it."
                    : $"A privileged capsule needs confirmation, and this session cannot ask for it ({ex.Message}).")
                {
                    RecommendedAction = "Add -Force (or -Confirm:$false) to run privileged capsules non-interactively.",
                },
            });
            return false;
        }
    }

    /// <summary>One finished target, on the pipeline thread: its output, then the progress; an unreachable engine ends the command.</summary>
    private void Deliver(CapsuleOutcome outcome)
    {
        var fatal = _emitter!.Write(outcome, _output!);
        _progress!.Update(_batch!.Delivered, _seen, _batch.InFlight, outcome.Target);
        if (fatal is not null)
        {
            Stop();
            ThrowTerminatingError(fatal);
        }
    }

    /// <summary>
    /// Runs fan-out work on the pipeline thread. Whatever ends it early — Ctrl+C, a downstream
    /// Select-Object -First, a terminating error — cancels every capsule in flight and waits for
    /// them to remove themselves before it goes on up.
    /// </summary>
    private void Guarded(Action work)
    {
        try
        {
            work();
        }
        catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
        {
            Stop();
            throw new PipelineStoppedException();
        }
        catch
        {
            Stop();
            throw;
        }
    }

    /// <summary>Cancels the capsules in flight and waits (bounded) for their clean-up.</summary>
    private void Stop()
    {
        if (_batch is { InFlight: > 0 } batch)
        {
            batch.Cancel();
            batch.WaitForCleanup(CleanupWait);
        }

        _progress?.Complete();
    }

    /// <summary>-AsJob: the confirmed targets run in a background job that owns the runtimes from now on.</summary>
    private void StartJob()
    {
        var work = _jobWork.ToList();
        if (work.Count == 0 && MyInvocation.BoundParameters.ContainsKey("WhatIf"))
        {
            return;
        }

        var runtimes = _runtimes.Values.Cast<ICapsuleRuntime>().Concat(_kubernetes is null ? Array.Empty<ICapsuleRuntime>() : new ICapsuleRuntime[] { _kubernetes }).ToList();
        _runtimes.Clear();
        _kubernetes = null;
        var location = string.Join(", ", work.Select(w => w.Runtime.Endpoint).Distinct());
        var job = new CapsuleJob($"Invoke-Capsule -Utility {Utility} ({work.Count} {(ParameterSetName == ContainerSet ? "containers" : "pods")})", JobName, work.Count, location.Length > 0 ? location : "localhost");
        var emitter = _emitter!;
        var catalog = _catalog;
        var policy = _policy;
        var throttle = ThrottleLimit;
        var utility = Utility;
        job.Start((output, token, onDone) =>
        {
            var progress = new FanOutProgress(output, utility);
            ErrorRecord? fatal = null;
            using var batch = new CapsuleBatch(throttle, token);
            void Deliver(CapsuleOutcome outcome)
            {
                fatal ??= emitter.Write(outcome, output);
                onDone();
                progress.Update(batch.Delivered, work.Count, batch.InFlight, outcome.Target);
                if (fatal is not null)
                {
                    batch.Cancel();
                }
            }

            try
            {
                foreach (var (runtime, request) in work)
                {
                    if (fatal is not null)
                    {
                        break;
                    }

                    var invoker = new CapsuleInvoker(runtime, catalog, policy);
                    batch.Start(request.Target, t => invoker.InvokeAsync(request, t), Deliver);
                    progress.Update(batch.Delivered, work.Count, batch.InFlight, request.Target);
                }

                batch.WaitAll(Deliver);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested || fatal is not null)
            {
                batch.Cancel();
                batch.WaitForCleanup(CleanupWait);
                if (fatal is null)
                {
                    throw;
                }
            }
            finally
            {
                progress.Complete();
                foreach (var r in runtimes)
                {
                    r.Dispose();
                }
            }

            return fatal;
        });
        JobRepository.Add(job);
        WriteObject(job);
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
