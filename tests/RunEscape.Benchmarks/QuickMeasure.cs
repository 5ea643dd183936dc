using System.Diagnostics;
using System.Globalization;
using System.Text;
using RunEscape.Parsing;

namespace RunEscape.Benchmarks;

/// <summary>
/// <c>--quick</c>: a plain loop beside BenchmarkDotNet that also reports throughput per second of
/// process CPU time, which stays meaningful on a loaded, shared machine where wall time does not.
/// </summary>
public static class QuickMeasure
{
    /// <summary>(parser name, label, input) for each measured output; add a row for a new parser.</summary>
    public static IEnumerable<(string Parser, string Label, string Text)> Inputs()
    {
        yield return ("top", "top -b -n1 -c, 10,000 processes", Synth.Top(ParserBenchmarks.Processes));
        yield return ("ps", "ps aux, 10,000 processes", Synth.PsAux(ParserBenchmarks.Processes));
        yield return ("ss", "ss -tanp, 10,000 sockets", Synth.SsTanp(ParserBenchmarks.Processes));
    }

    public static int Run(int iterations)
    {
        foreach (var (name, label, text) in Inputs())
        {
            var parser = ParserRegistry.Get(name);
            var check = new ParseContext();
            var count = parser.Parse(text, check).Count();
            for (var i = 0; i < 10; i++)
            {
                _ = parser.Parse(text, new ParseContext()).Count();
            }

            var bytes = Encoding.UTF8.GetByteCount(text);
            var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var alloc0 = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                _ = parser.Parse(text, new ParseContext()).Count();
            }

            sw.Stop();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpu0;
            var alloc = (GC.GetAllocatedBytesForCurrentThread() - alloc0) / (double)iterations;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"QUICK {label}: {bytes / 1e6:0.00} MB input, {count} records, {check.Issues.Count} issues; {bytes / 1e6 / (sw.Elapsed.TotalSeconds / iterations):0.0} MB/s wall, {bytes / 1e6 / (cpu.TotalSeconds / iterations):0.0} MB/s CPU time, {alloc / bytes:0.00} bytes allocated per input byte"));
        }

        Console.WriteLine("QUICK load average: " + (File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a") + $", {Environment.ProcessorCount} CPUs");
        return 0;
    }
}
