using System.Diagnostics;

namespace RunEscape.Lifecycle;

/// <summary>Wall time of each lifecycle phase.</summary>
public sealed class CapsuleTimings
{
    public TimeSpan Resolve { get; set; }

    public TimeSpan Inject { get; set; }

    public TimeSpan Start { get; set; }

    public TimeSpan Run { get; set; }

    public TimeSpan Collect { get; set; }

    public TimeSpan Parse { get; set; }

    public TimeSpan Remove { get; set; }

    public TimeSpan Total { get; set; }

    /// <summary>When the runtime saw the capsule end (a Stopwatch timestamp), where reading its output overlaps its run.</summary>
    internal long? TerminatedAt { get; set; }

    /// <summary>Runs <paramref name="action"/> and stores its elapsed time through <paramref name="store"/>, even when it throws.</summary>
    public static async Task<T> MeasureAsync<T>(Func<Task<T>> action, Action<TimeSpan> store)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            store(sw.Elapsed);
        }
    }

    public override string ToString() =>
        FormattableString.Invariant($"resolve {Resolve.TotalMilliseconds:0}ms, inject {Inject.TotalMilliseconds:0}ms, start {Start.TotalMilliseconds:0}ms, run {Run.TotalMilliseconds:0}ms, collect {Collect.TotalMilliseconds:0}ms, parse {Parse.TotalMilliseconds:0}ms, remove {Remove.TotalMilliseconds:0}ms, total {Total.TotalMilliseconds:0}ms");
}
