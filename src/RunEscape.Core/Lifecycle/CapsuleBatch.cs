using System.Collections.Concurrent;

namespace RunEscape.Lifecycle;

/// <summary>One finished invocation of a batch: its result, or why it failed.</summary>
public sealed class CapsuleOutcome
{
    public CapsuleOutcome(string target, CapsuleResult? result, Exception? error)
    {
        Target = target;
        Result = result;
        Error = error;
    }

    /// <summary>The target as it was asked for.</summary>
    public string Target { get; }

    public CapsuleResult? Result { get; }

    public Exception? Error { get; }
}

/// <summary>
/// Fan-out: runs capsules on many targets at once, at most <see cref="ThrottleLimit"/> at a time,
/// and hands each outcome back on the caller's thread as soon as it finishes (so a PowerShell
/// pipeline thread can write it). Cancelling the batch cancels every capsule in flight; each
/// removes its own capsule on the way out, and <see cref="WaitForCleanup"/> waits for that.
/// </summary>
public sealed class CapsuleBatch : IDisposable
{
    private readonly BlockingCollection<CapsuleOutcome> _finished = new();
    private readonly CancellationTokenSource _cancellation;
    private readonly List<Task> _tasks = new();
    private int _started;
    private int _delivered;
    private bool _disposed;

    /// <param name="throttleLimit">How many capsules may run at once (1 or more).</param>
    /// <param name="cancellationToken">Cancels the whole batch (the pipeline was stopped).</param>
    public CapsuleBatch(int throttleLimit, CancellationToken cancellationToken)
    {
        if (throttleLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(throttleLimit), throttleLimit, "The throttle limit must be 1 or more.");
        }

        ThrottleLimit = throttleLimit;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    }

    public int ThrottleLimit { get; }

    /// <summary>Invocations started so far.</summary>
    public int Started => Volatile.Read(ref _started);

    /// <summary>Outcomes handed back so far.</summary>
    public int Delivered => Volatile.Read(ref _delivered);

    /// <summary>Started and not yet handed back.</summary>
    public int InFlight => Started - Delivered;

    /// <summary>The token every invocation of the batch runs with.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>
    /// Starts one invocation as soon as fewer than <see cref="ThrottleLimit"/> are in flight;
    /// while it waits for a slot, hands finished outcomes to <paramref name="finished"/> on the
    /// calling thread. Throws OperationCanceledException when the batch is cancelled.
    /// </summary>
    public void Start(string target, Func<CancellationToken, Task<CapsuleResult>> work, Action<CapsuleOutcome> finished)
    {
        WaitForSlot(finished);
        Interlocked.Increment(ref _started);
        var token = _cancellation.Token;
        var task = Task.Run(async () =>
        {
            CapsuleOutcome outcome;
            try
            {
                outcome = new CapsuleOutcome(target, await work(token).ConfigureAwait(false), null);
            }
            catch (Exception ex)
            {
                outcome = new CapsuleOutcome(target, null, ex);
            }

            try
            {
                _finished.Add(outcome);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
            {
                // The batch was disposed after its clean-up wait ran out; nobody reads outcomes any more.
            }
        }, CancellationToken.None);
        lock (_tasks)
        {
            _tasks.RemoveAll(t => t.IsCompleted);
            _tasks.Add(task);
        }
    }

    /// <summary>
    /// Returns once fewer than <see cref="ThrottleLimit"/> are in flight, handing finished outcomes
    /// to <paramref name="finished"/> meanwhile; Start right after it does not wait.
    /// </summary>
    public void WaitForSlot(Action<CapsuleOutcome> finished)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Drain(finished);
        while (InFlight >= ThrottleLimit)
        {
            Deliver(_finished.Take(_cancellation.Token), finished);
        }

        _cancellation.Token.ThrowIfCancellationRequested();
    }

    /// <summary>Hands every outcome that has finished already to <paramref name="finished"/>, without waiting.</summary>
    public void Drain(Action<CapsuleOutcome> finished)
    {
        while (_finished.TryTake(out var outcome))
        {
            Deliver(outcome, finished);
        }
    }

    /// <summary>Waits for every started invocation, handing each outcome over as it finishes.</summary>
    public void WaitAll(Action<CapsuleOutcome> finished)
    {
        while (InFlight > 0)
        {
            Deliver(_finished.Take(_cancellation.Token), finished);
        }
    }

    /// <summary>Cancels every invocation in flight (each removes its capsule as it ends).</summary>
    public void Cancel() => _cancellation.Cancel();

    /// <summary>Waits until every started invocation has ended — and so removed its capsule — or the timeout passes. True when all ended.</summary>
    public bool WaitForCleanup(TimeSpan timeout)
    {
        Task[] pending;
        lock (_tasks)
        {
            pending = _tasks.Where(t => !t.IsCompleted).ToArray();
        }

        return pending.Length == 0 || Task.WaitAll(pending, timeout);
    }

    private void Deliver(CapsuleOutcome outcome, Action<CapsuleOutcome> finished)
    {
        Interlocked.Increment(ref _delivered);
        finished(outcome);
    }

    /// <summary>Cancels whatever still runs and waits (bounded) for its clean-up.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var ended = true;
        if (InFlight > 0)
        {
            _cancellation.Cancel();
            ended = WaitForCleanup(TimeSpan.FromSeconds(30));
        }

        if (ended)
        {
            // Invocations still running after the wait keep their token and queue; the GC has them later.
            _cancellation.Dispose();
            _finished.Dispose();
        }
    }
}
