using RunEscape.Lifecycle;

namespace RunEscape.Tests.Core;

/// <summary>The fan-out's scheduling, with work that only waits: no engine involved.</summary>
public sealed class CapsuleBatchTests
{
    private static CapsuleResult Result(string target) => new()
    {
        Target = target, TargetId = target, Utility = "u", Image = "i", Engine = "e", Endpoint = "x", CapsuleName = "c",
        ExitCode = 0, StandardOutput = string.Empty, StandardError = string.Empty, Records = Array.Empty<Parsing.CapsuleRecord>(),
        Items = Array.Empty<Parsing.CapsuleRecord>(), Summary = Array.Empty<Parsing.CapsuleRecord>(), ParseIssues = Array.Empty<Parsing.ParseIssue>(),
        SharedNamespaces = Array.Empty<string>(), Command = Array.Empty<string>(), Deadline = DateTimeOffset.UtcNow, Timings = new CapsuleTimings(),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    public void Never_more_than_the_throttle_limit_run_and_every_outcome_comes_back_once(int limit)
    {
        var running = 0;
        var peak = 0;
        var delivered = new List<string>();
        var callerThread = Environment.CurrentManagedThreadId;
        using var batch = new CapsuleBatch(limit, CancellationToken.None);
        void Finished(CapsuleOutcome o)
        {
            Assert.Equal(callerThread, Environment.CurrentManagedThreadId);
            delivered.Add(o.Target);
        }

        for (var i = 0; i < 25; i++)
        {
            var target = "t" + i;
            batch.Start(target, async token =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref peak, now);
                await Task.Delay(20, token);
                Interlocked.Decrement(ref running);
                return Result(target);
            }, Finished);
        }

        batch.WaitAll(Finished);
        Assert.Equal(25, delivered.Count);
        Assert.Equal(25, delivered.Distinct().Count());
        Assert.InRange(peak, 1, limit);
        if (limit == 1)
        {
            Assert.Equal(Enumerable.Range(0, 25).Select(i => "t" + i), delivered);
        }
        else
        {
            Assert.True(peak > 1, $"with a limit of {limit} the work never overlapped");
        }
    }

    [Fact]
    public void A_fast_target_is_handed_back_before_a_slow_one_started_earlier()
    {
        var delivered = new List<string>();
        using var batch = new CapsuleBatch(4, CancellationToken.None);
        batch.Start("slow", async t => { await Task.Delay(800, t); return Result("slow"); }, o => delivered.Add(o.Target));
        batch.Start("fast", async t => { await Task.Delay(10, t); return Result("fast"); }, o => delivered.Add(o.Target));
        batch.WaitAll(o => delivered.Add(o.Target));
        Assert.Equal(new[] { "fast", "slow" }, delivered);
    }

    [Fact]
    public void A_failure_is_an_outcome_and_the_others_go_on()
    {
        var outcomes = new List<CapsuleOutcome>();
        using var batch = new CapsuleBatch(2, CancellationToken.None);
        batch.Start("bad", _ => throw new CapsuleException(CapsuleErrorKind.TargetNotFound, "gone", "bad", "x"), outcomes.Add);
        batch.Start("good", _ => Task.FromResult(Result("good")), outcomes.Add);
        batch.WaitAll(outcomes.Add);
        Assert.IsType<CapsuleException>(Assert.Single(outcomes, o => o.Target == "bad").Error);
        Assert.NotNull(Assert.Single(outcomes, o => o.Target == "good").Result);
    }

    [Fact]
    public void Cancelling_reaches_every_invocation_in_flight_and_cleanup_waits_for_them()
    {
        using var stop = new CancellationTokenSource();
        var cleaned = 0;
        using var batch = new CapsuleBatch(5, stop.Token);
        for (var i = 0; i < 5; i++)
        {
            batch.Start("t" + i, async token =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                    return Result("never");
                }
                finally
                {
                    await Task.Delay(200, CancellationToken.None);
                    Interlocked.Increment(ref cleaned);
                }
            }, _ => { });
        }

        stop.CancelAfter(100);
        Assert.ThrowsAny<OperationCanceledException>(() => batch.WaitAll(_ => { }));
        Assert.True(batch.WaitForCleanup(TimeSpan.FromSeconds(10)));
        Assert.Equal(5, Volatile.Read(ref cleaned));
    }

    private static void InterlockedMax(ref int location, int value)
    {
        int current;
        while ((current = Volatile.Read(ref location)) < value && Interlocked.CompareExchange(ref location, value, current) != current)
        {
        }
    }
}
