using System.Globalization;
using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// Reads procps-ng <c>vmstat</c> sample tables (default, <c>-w</c>, <c>-a</c>, <c>-t</c>, any count of
/// samples, repeated headers) into one <see cref="VmstatSample"/> per row, by the column header.
/// </summary>
/// <remarks>
/// Memory columns are KiB unless the text was made with <c>-S</c>: the caller may then say so in the
/// variant (<c>procps -S m</c> style is not read; use the default unit). <c>-d</c>, <c>-D</c>,
/// <c>-s</c>, <c>-m</c> print other tables: their lines are reported, not read. BusyBox has no vmstat.
/// </remarks>
public sealed class VmstatParser : IOutputParser
{
    public const string ProcpsVariant = "procps";

    private static readonly ParserInfo SharedInfo = new(
        "vmstat",
        "1.0.0",
        "vmstat sample tables (procps-ng; -w, -a, -t, several samples): a VmstatSample per row.",
        new[] { ProcpsVariant },
        typeof(VmstatSample),
        new[] { typeof(VmstatSample) });

    public ParserInfo Info => SharedInfo;

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var variant = ParserText.ForcedVariant(context, Info) ?? ProcpsVariant;
        var records = new List<CapsuleRecord>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return records;
        }

        string[]? header = null;
        string? zone = null;
        var sample = 0;
        var position = 0;
        var lineNumber = 0;
        while (true)
        {
            var lineStart = position;
            if (!ParserText.NextLine(text, ref position, out var line))
            {
                break;
            }

            lineNumber++;
            var t = line.Trim();
            if (t.IsEmpty)
            {
                continue;
            }

            // Group line: "procs -----------memory---------- …" or "--procs-- ---…".
            if (t.StartsWith("procs", StringComparison.Ordinal) || t.StartsWith("--procs", StringComparison.Ordinal))
            {
                continue;
            }

            var tokens = ParserText.Tokens(t);
            if (t[0] == 'r' && tokens.Count > 1 && t[tokens[1].Start..tokens[1].End].SequenceEqual("b"))
            {
                header = new string[tokens.Count];
                for (var k = 0; k < tokens.Count; k++)
                {
                    header[k] = t[tokens[k].Start..tokens[k].End].ToString();
                }

                zone = null;
                if (header.Length > 0 && !KnownColumn(header[^1]))
                {
                    // -t: the last header cell is the time zone of the timestamp column.
                    zone = header[^1];
                    header = header[..^1];
                }

                continue;
            }

            if (header is null)
            {
                context.Report(lineNumber, line.ToString(), "not a vmstat sample table line");
                continue;
            }

            var expected = header.Length + (zone is null ? 0 : 2);
            if (tokens.Count != expected || !char.IsAsciiDigit(t[0]))
            {
                context.Report(lineNumber, line.ToString(), $"{tokens.Count} cells for {expected} columns");
                continue;
            }

            var s = new VmstatSample { Sample = sample, Variant = variant };
            var ok = true;
            for (var k = 0; k < header.Length && ok; k++)
            {
                ok = Set(s, header[k], t[tokens[k].Start..tokens[k].End]);
            }

            if (ok && zone is not null)
            {
                var stamp = t[tokens[^2].Start..tokens[^1].End];
                if (DateTime.TryParseExact(stamp, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
                {
                    s.LocalTimestamp = local;
                    s.TimeZone = zone;
                    if (zone is "UTC" or "GMT" or "Z")
                    {
                        s.Timestamp = new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), TimeSpan.Zero);
                    }
                }
                else
                {
                    ok = false;
                }
            }

            if (!ok)
            {
                context.Report(lineNumber, line.ToString(), "a cell is not a number");
                continue;
            }

            s.SetSource(text, lineStart, line.Length);
            records.Add(s);
            sample++;
        }

        return records;
    }

    private static bool KnownColumn(string name) => name is "r" or "b" or "swpd" or "free" or "buff" or "cache" or "inact" or "active"
        or "si" or "so" or "bi" or "bo" or "in" or "cs" or "us" or "sy" or "id" or "wa" or "st" or "gu";

    private static bool Set(VmstatSample s, string column, ReadOnlySpan<char> cell)
    {
        if (!ParserText.TryDigits(cell, out var n))
        {
            return false;
        }

        switch (column)
        {
            case "r": s.ProcessesRunnable = (int)Math.Min(n, int.MaxValue); break;
            case "b": s.ProcessesBlocked = (int)Math.Min(n, int.MaxValue); break;
            case "swpd": s.SwapUsed = n * Units.KiB; break;
            case "free": s.MemoryFree = n * Units.KiB; break;
            case "buff": s.MemoryBuffers = n * Units.KiB; break;
            case "cache": s.MemoryCache = n * Units.KiB; break;
            case "inact": s.MemoryInactive = n * Units.KiB; break;
            case "active": s.MemoryActive = n * Units.KiB; break;
            case "si": s.SwapInPerSecond = n * Units.KiB; break;
            case "so": s.SwapOutPerSecond = n * Units.KiB; break;
            case "bi": s.BlocksInPerSecond = n; break;
            case "bo": s.BlocksOutPerSecond = n; break;
            case "in": s.InterruptsPerSecond = n; break;
            case "cs": s.ContextSwitchesPerSecond = n; break;
            case "us": s.CpuUser = n; break;
            case "sy": s.CpuSystem = n; break;
            case "id": s.CpuIdle = n; break;
            case "wa": s.CpuIOWait = n; break;
            case "st": s.CpuSteal = n; break;
            case "gu": s.CpuGuest = n; break;
        }

        return true;
    }
}
