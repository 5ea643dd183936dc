using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace RunEscape.Benchmarks;

/// <summary>
/// Parsing benchmark: <c>dotnet run -c Release --project tests/RunEscape.Benchmarks [-- --filter *Top*]</c>
/// or <c>./build.ps1 ParseBenchmark</c>. Input size is counted as the UTF-8 length of the synthetic
/// output (what the utility writes); allocation is the managed bytes allocated per parse.
/// Targets: at least 100 MB/s for top and ps, under 3 bytes allocated per input byte.
/// </summary>
public static class Program
{
    public const double TargetMBps = 100;
    public const double TargetAllocPerByte = 3;

    /// <summary>The benchmarks the targets bind (the issue names top and ps); the others are reported against the same figures.</summary>
    private static readonly HashSet<string> TargetedMethods = new(StringComparer.Ordinal) { nameof(ParserBenchmarks.Top), nameof(ParserBenchmarks.PsAux) };

    public static int Main(string[] args)
    {
        if (args.Contains("--quick"))
        {
            return QuickMeasure.Run(100);
        }

        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1))
            .AddColumn(new DerivedColumn("Input MB", (s, b) => Inputs.SizeOf(b.Descriptor.WorkloadMethod.Name) / 1e6, "0.00"))
            .AddColumn(new DerivedColumn("MB/s", Throughput, "0.0"))
            .AddColumn(new DerivedColumn("Alloc B/input B", AllocPerByte, "0.00"));

        // The input sizes are needed in this process for the columns (benchmarks run in child processes).
        new ParserBenchmarks().Setup();

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args.Contains("--filter") ? args : args.Concat(new[] { "--filter", "*" }).ToArray(), config);
        var failed = false;
        foreach (var summary in summaries)
        {
            foreach (var report in summary.Reports)
            {
                var mbps = Throughput(summary, report.BenchmarkCase);
                var alloc = AllocPerByte(summary, report.BenchmarkCase);
                var ok = mbps >= TargetMBps && alloc < TargetAllocPerByte;
                var targeted = TargetedMethods.Contains(report.BenchmarkCase.Descriptor.WorkloadMethod.Name);
                failed |= targeted && !ok;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"PARSE {report.BenchmarkCase.Descriptor.WorkloadMethod.Name}: {mbps:0.0} MB/s, {alloc:0.00} bytes allocated per input byte (target >= {TargetMBps} MB/s, < {TargetAllocPerByte}) {(ok ? "OK" : targeted ? "MISSED" : "missed, reported only")}"));
            }
        }

        return failed && Environment.GetEnvironmentVariable("RUNESCAPE_BENCH_STRICT") == "1" ? 1 : 0;
    }

    private static double Throughput(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmark)
    {
        var report = summary[benchmark];
        var meanNs = report?.ResultStatistics?.Mean ?? double.NaN;
        return Inputs.SizeOf(benchmark.Descriptor.WorkloadMethod.Name) / 1e6 / (meanNs / 1e9);
    }

    private static double AllocPerByte(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmark)
    {
        var report = summary[benchmark];
        var bytes = report?.GcStats.GetBytesAllocatedPerOperation(benchmark) ?? 0;
        var size = Inputs.SizeOf(benchmark.Descriptor.WorkloadMethod.Name);
        return size == 0 ? double.NaN : (double)bytes / size;
    }

    private sealed class DerivedColumn : IColumn
    {
        private readonly Func<Summary, BenchmarkDotNet.Running.BenchmarkCase, double> _value;
        private readonly string _format;

        public DerivedColumn(string name, Func<Summary, BenchmarkDotNet.Running.BenchmarkCase, double> value, string format)
        {
            ColumnName = name;
            Id = "RunEscape." + name;
            _value = value;
            _format = format;
        }

        public string Id { get; }

        public string ColumnName { get; }

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => ColumnName switch
        {
            "MB/s" => "Input megabytes (10^6 UTF-8 bytes) parsed per second",
            "Alloc B/input B" => "Managed bytes allocated per parse divided by the input's UTF-8 length",
            _ => "Input size in megabytes (10^6 UTF-8 bytes)",
        };

        public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) =>
            _value(summary, benchmarkCase).ToString(_format, CultureInfo.InvariantCulture);

        public string GetValue(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkDotNet.Running.BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}
