using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// Reads <c>free</c> output of procps-ng (default, <c>-b/-k/-m/-g</c>, <c>-h</c>, <c>-w</c>, <c>-t</c>, <c>-l</c>)
/// and BusyBox into one <see cref="FreeMemory"/> per row, read by the header's column names.
/// </summary>
/// <remarks>
/// <para>Numbers without a unit are KiB, free's default. Text captured with <c>-b</c>, <c>-m</c>,
/// <c>-g</c>… says nothing about its unit, so the caller names it in the variant: <c>procps -b</c>,
/// <c>busybox -m</c>, or just <c>-m</c> (also <c>--bytes</c>, <c>--mebi</c>, …; <c>--kilo</c>,
/// <c>--mega</c>, <c>--giga</c> are powers of 1000). Human cells (<c>-h</c>: <c>23Gi</c>, <c>554Mi</c>,
/// <c>0B</c>, or older <c>1.9G</c>, <c>268K</c>) carry their unit and are rounded display values.</para>
/// <para>BusyBox free and procps-ng 3.3 free print the same text; the variant is <c>procps</c>
/// unless the caller (or the catalog entry's parserVariant) says <c>busybox</c>, or the layout is
/// one only BusyBox prints (old BusyBox <c>-/+ buffers:</c> row).</para>
/// <para>German headers (<c>gesamt benutzt frei …</c>, <c>Speicher:</c>) are understood.</para>
/// </remarks>
public sealed class FreeParser : IOutputParser
{
    public const string ProcpsVariant = "procps";
    public const string BusyBoxVariant = "busybox";

    private static readonly ParserInfo SharedInfo = new(
        "free",
        "1.0.0",
        "free output (procps-ng -b/-k/-m/-h/-w/-t/-l, BusyBox): a FreeMemory per row (Mem, Swap, …).",
        new[] { ProcpsVariant, BusyBoxVariant },
        typeof(FreeMemory),
        new[] { typeof(FreeMemory) });

    private static readonly char[] VariantSeparators = { ' ', ',', ':' };

    private static readonly Col[] UsedFree = { Col.Used, Col.Free };

    public ParserInfo Info => SharedInfo;

    private enum Col
    {
        None,
        Total,
        Used,
        Free,
        Shared,
        BuffCache,
        Buffers,
        Cache,
        Available,
    }

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (forced, unit) = ReadVariant(context);
        var records = new List<CapsuleRecord>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return records;
        }

        var variant = forced ?? (text.Contains("-/+ buffers:", StringComparison.Ordinal) ? BusyBoxVariant : ProcpsVariant);
        Col[]? header = null;
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
            if (line.IsWhiteSpace())
            {
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon < 0)
            {
                var h = ReadHeader(line);
                if (h is null)
                {
                    context.Report(lineNumber, line.ToString(), "not a free header or row");
                }
                else
                {
                    header = h;
                }

                continue;
            }

            if (header is null)
            {
                context.Report(lineNumber, line.ToString(), "row before the header");
                continue;
            }

            var label = line[..colon].Trim();
            var kind = KindOf(label);
            var cells = ParserText.Tokens(line[(colon + 1)..]);
            var offset = colon + 1;
            var row = new FreeMemory { Kind = kind, Variant = variant };

            // "-/+ buffers/cache:" has only used and free.
            var targets = kind.StartsWith("-/+", StringComparison.Ordinal) ? UsedFree : header;
            if (cells.Count == 0 || cells.Count > targets.Length)
            {
                context.Report(lineNumber, line.ToString(), $"{cells.Count} values for {targets.Length} columns");
                continue;
            }

            var ok = true;
            for (var k = 0; k < cells.Count; k++)
            {
                var cell = line[(offset + cells[k].Start)..(offset + cells[k].End)];
                if (!TryParseAmount(cell, unit, out var bytes))
                {
                    context.Report(lineNumber, line.ToString(), $"'{cell}' is not a size");
                    ok = false;
                    break;
                }

                Set(row, targets[k], bytes);
            }

            if (ok)
            {
                row.SetSource(text, lineStart, line.Length);
                records.Add(row);
            }
        }

        return records;
    }

    private static (string? Variant, long Unit) ReadVariant(ParseContext context)
    {
        string? variant = null;
        var unit = Units.KiB;
        if (string.IsNullOrWhiteSpace(context.Variant))
        {
            return (null, unit);
        }

        foreach (var part in context.Variant.Split(VariantSeparators, StringSplitOptions.RemoveEmptyEntries))
        {
            long? u = part switch
            {
                "-b" or "--bytes" => Units.Byte,
                "-k" or "--kibi" => Units.KiB,
                "-m" or "--mebi" => Units.MiB,
                "-g" or "--gibi" => Units.GiB,
                "--tebi" => Units.TiB,
                "--pebi" => Units.PiB,
                "--kilo" => 1000L,
                "--mega" => 1000_000L,
                "--giga" => 1000_000_000L,
                "--tera" => 1000_000_000_000L,
                "-h" or "--human" or "-w" or "--wide" or "-t" or "--total" or "-l" or "--lohi" => 0,
                _ => null,
            };
            if (u is { } value)
            {
                if (value > 0)
                {
                    unit = value;
                }

                continue;
            }

            if (part.Equals(ProcpsVariant, StringComparison.OrdinalIgnoreCase) || part.Equals("procps-ng", StringComparison.OrdinalIgnoreCase))
            {
                variant = ProcpsVariant;
            }
            else if (part.Equals(BusyBoxVariant, StringComparison.OrdinalIgnoreCase))
            {
                variant = BusyBoxVariant;
            }
            else
            {
                throw new CapsuleException(
                    CapsuleErrorKind.InvalidArgument,
                    $"The free parser has no variant '{context.Variant}'.",
                    context.Variant,
                    "Use 'procps' or 'busybox', optionally with free's unit option (e.g. 'procps -b', '-m'); or leave it empty.");
            }
        }

        return (variant, unit);
    }

    private static Col[]? ReadHeader(ReadOnlySpan<char> line)
    {
        var tokens = ParserText.Tokens(line);
        var cols = new Col[tokens.Count];
        var known = 0;
        for (var k = 0; k < tokens.Count; k++)
        {
            cols[k] = line[tokens[k].Start..tokens[k].End].ToString().ToLowerInvariant() switch
            {
                "total" or "gesamt" or "insgesamt" => Col.Total,
                "used" or "benutzt" or "belegt" => Col.Used,
                "free" or "frei" => Col.Free,
                "shared" or "gemns." or "gemeinsam" or "geteilt" => Col.Shared,
                "buff/cache" or "puff/cache" or "puffer/cache" => Col.BuffCache,
                "buffers" or "puffer" => Col.Buffers,
                "cache" or "cached" or "zwischengesp." => Col.Cache,
                "available" or "verfügbar" or "verfügb." => Col.Available,
                _ => Col.None,
            };
            if (cols[k] != Col.None)
            {
                known++;
            }
        }

        return known >= 2 ? cols : null;
    }

    private static string KindOf(ReadOnlySpan<char> label) => label switch
    {
        "Mem" or "Speicher" => "Mem",
        "Swap" or "Auslagerung" => "Swap",
        "Total" or "Gesamt" or "Summe" => "Total",
        "Low" or "Niedrig" => "Low",
        "High" or "Hoch" => "High",
        _ => label.ToString(),
    };

    private static void Set(FreeMemory row, Col col, long bytes)
    {
        switch (col)
        {
            case Col.Total: row.Total = bytes; break;
            case Col.Used: row.Used = bytes; break;
            case Col.Free: row.Free = bytes; break;
            case Col.Shared: row.Shared = bytes; break;
            case Col.BuffCache: row.BuffCache = bytes; break;
            case Col.Buffers: row.Buffers = bytes; break;
            case Col.Cache: row.Cache = bytes; break;
            case Col.Available: row.Available = bytes; break;
        }
    }

    /// <summary>A free cell: a bare number in <paramref name="unit"/>, or a human size (<c>23Gi</c>, <c>1.9G</c>, <c>0B</c>, <c>1,5Gi</c>).</summary>
    internal static bool TryParseAmount(ReadOnlySpan<char> cell, long unit, out long bytes)
    {
        bytes = 0;
        if (cell.IsEmpty)
        {
            return false;
        }

        var last = cell[^1];
        if (last == 'B')
        {
            // "0B", "512B": bytes; "KB"-style is not something free prints.
            return Units.TryParseSize(cell[..^1], Units.Byte, out bytes);
        }

        if (last == 'i' && cell.Length > 2)
        {
            return char.IsAsciiLetter(cell[^2]) && Units.TryParseSize(cell[..^1], Units.Byte, out bytes);
        }

        if (char.IsAsciiLetter(last))
        {
            return Units.TryParseSize(cell, Units.Byte, out bytes);
        }

        return Units.TryParseSize(cell, unit, out bytes);
    }
}
