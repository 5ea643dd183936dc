using System.Management.Automation;
using RunEscape.Lifecycle;

namespace RunEscape.PowerShell;

/// <summary>
/// Invoke-Capsule -AsJob: the fan-out runs on a background thread and writes to the job's
/// streams; Receive-Job, Wait-Job, Stop-Job and Remove-Job work as with any job. Stopping the job
/// cancels every capsule in flight, and each removes itself.
/// </summary>
internal sealed class CapsuleJob : Job
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly ManualResetEventSlim _ended = new(false);
    private readonly int _total;
    private readonly string _location;
    private int _done;

    /// <summary>Jobs still running: the process's exit stops them, so their capsules do not outlive it.</summary>
    private static readonly HashSet<CapsuleJob> Running = new();

    static CapsuleJob()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            CapsuleJob[] jobs;
            lock (Running)
            {
                jobs = Running.ToArray();
            }

            foreach (var job in jobs)
            {
                job._cancellation.Cancel();
            }

            foreach (var job in jobs)
            {
                job._ended.Wait(TimeSpan.FromSeconds(15));
            }
        };
    }

    internal CapsuleJob(string command, string? name, int total, string location)
        : base(command, name)
    {
        PSJobTypeName = "RunEscapeJob";
        _total = total;
        _location = location;
    }

    public override string StatusMessage => $"{Volatile.Read(ref _done)} of {_total} targets done";

    public override bool HasMoreData =>
        Output.Count > 0 || Error.Count > 0 || Warning.Count > 0 || Verbose.Count > 0 || Information.Count > 0 || Progress.Count > 0;

    public override string Location => _location;

    /// <summary>Starts the work; it gets the job's token and output, and reports each finished target.</summary>
    internal void Start(Func<ICapsuleOutput, CancellationToken, Action, ErrorRecord?> work)
    {
        SetJobState(JobState.Running);
        lock (Running)
        {
            Running.Add(this);
        }

        var output = new JobOutput(this, Command);
        _ = Task.Run(() =>
        {
            var state = JobState.Completed;
            try
            {
                var fatal = work(output, _cancellation.Token, () => Interlocked.Increment(ref _done));
                if (_cancellation.IsCancellationRequested)
                {
                    state = JobState.Stopped;
                }
                else if (fatal is not null)
                {
                    Error.Add(fatal);
                    state = JobState.Failed;
                }
            }
            catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
            {
                state = JobState.Stopped;
            }
            catch (Exception ex)
            {
                Error.Add(new ErrorRecord(ex, "JobFailed", ErrorCategory.NotSpecified, Command));
                state = JobState.Failed;
            }
            finally
            {
                lock (Running)
                {
                    Running.Remove(this);
                }

                // The final state first: Stop-Job returns once _ended is set, and must see it.
                SetJobState(state);
                _ended.Set();
            }
        });
    }

    /// <summary>Cancels every capsule in flight and waits until they have removed themselves.</summary>
    public override void StopJob()
    {
        if (IsFinishedState(JobStateInfo.State))
        {
            return;
        }

        try
        {
            SetJobState(JobState.Stopping);
        }
        catch (InvalidJobStateException)
        {
            // It finished in the meantime.
            return;
        }

        _cancellation.Cancel();
        _ended.Wait(TimeSpan.FromSeconds(60));
    }

    private static bool IsFinishedState(JobState state) => state is JobState.Completed or JobState.Failed or JobState.Stopped;

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!IsFinishedState(JobStateInfo.State))
            {
                _cancellation.Cancel();
                _ended.Wait(TimeSpan.FromSeconds(60));
            }
        }

        base.Dispose(disposing);
    }
}
