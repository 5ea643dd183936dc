using System.Text;
using BenchmarkDotNet.Attributes;
using RunEscape.Parsing;

namespace RunEscape.Benchmarks;

/// <summary>
/// Parse throughput of the parsers on large synthetic outputs. Each benchmark parses one whole
/// output and materialises the records (the parser returns a list). To add one: generate the text in
/// <see cref="Synth"/>, add a field set in <see cref="Setup"/> with <see cref="Inputs.Register"/> under
/// the benchmark method's name, and add a <c>[Benchmark]</c> method.
/// </summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    public const int Processes = 10_000;

    private string _top = string.Empty;
    private string _ps = string.Empty;
    private IOutputParser _topParser = null!;
    private IOutputParser _psParser = null!;
    private string _ss = string.Empty;
    private IOutputParser _ssParser = null!;

    [GlobalSetup]
    public void Setup()
    {
        _top = Inputs.Register(nameof(Top), Synth.Top(Processes));
        _ps = Inputs.Register(nameof(PsAux), Synth.PsAux(Processes));
        _topParser = ParserRegistry.Get("top");
        _psParser = ParserRegistry.Get("ps");
        _ss = Inputs.Register(nameof(SsTanp), Synth.SsTanp(Processes));
        _ssParser = ParserRegistry.Get("ss");
    }

    [Benchmark(Description = "top -b -n1 -c, 10,000 processes")]
    public int Top() => Count(_topParser.Parse(_top, new ParseContext()));

    [Benchmark(Description = "ps aux, 10,000 processes")]
    public int PsAux() => Count(_psParser.Parse(_ps, new ParseContext()));

    [Benchmark(Description = "ss -tanp, 10,000 sockets")]
    public int SsTanp() => Count(_ssParser.Parse(_ss, new ParseContext()));

    private static int Count(IEnumerable<CapsuleRecord> records) => records is ICollection<CapsuleRecord> c ? c.Count : records.Count();
}

/// <summary>The size of each benchmark's input, for the MB/s and allocated-per-byte columns.</summary>
public static class Inputs
{
    private static readonly Dictionary<string, long> Utf8Bytes = new(StringComparer.Ordinal);

    /// <summary>Remembers the input's size in UTF-8 bytes (the size of the utility's real output) under the benchmark method name.</summary>
    public static string Register(string method, string text)
    {
        lock (Utf8Bytes)
        {
            Utf8Bytes[method] = Encoding.UTF8.GetByteCount(text);
        }

        return text;
    }

    public static long SizeOf(string method)
    {
        lock (Utf8Bytes)
        {
            return Utf8Bytes.TryGetValue(method, out var n) ? n : 0;
        }
    }
}
