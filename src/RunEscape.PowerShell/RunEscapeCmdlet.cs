using System.Management.Automation;

namespace RunEscape.PowerShell;

/// <summary>
/// Base of RunEscape's cmdlets: a cancellation token made in Begin, cancelled by Stop
/// (Ctrl+C, Select-Object -First) and disposed at the end; async engine calls are awaited
/// on the pipeline thread's behalf without blocking Ctrl+C.
/// </summary>
public abstract class RunEscapeCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private bool _disposed;

    /// <summary>Cancelled when the pipeline is stopped.</summary>
    protected CancellationToken CancellationToken => _cancellation.Token;

    protected override void StopProcessing() => _cancellation.Cancel();

    /// <summary>Runs engine work off the pipeline thread and waits for it; Stop cancels it.</summary>
    protected T Await<T>(Func<CancellationToken, Task<T>> work)
    {
        var task = Task.Run(() => work(CancellationToken), CancellationToken.None);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Writes a non-terminating error for an engine exception.</summary>
    protected void WriteCapsuleError(CapsuleException ex) => WriteError(ErrorRecords.From(ex));

    /// <summary>Throws a terminating error for an engine exception.</summary>
    protected void ThrowCapsuleError(CapsuleException ex) => ThrowTerminatingError(ErrorRecords.From(ex));

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!_disposed && disposing)
        {
            _cancellation.Dispose();
        }

        _disposed = true;
    }
}
