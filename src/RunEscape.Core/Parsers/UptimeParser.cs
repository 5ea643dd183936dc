using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// Reads <c>uptime</c> output of procps-ng and BusyBox (<c>HH:MM:SS up …, N users, load average: a, b, c</c>,
/// with or without the user count, and <c>uptime -p</c>'s <c>up 2 hours, 3 minutes</c>) into one
/// <see cref="UptimeInfo"/> per line.
/// </summary>
/// <remarks>
/// The up-time part takes every form procps and BusyBox print: <c>25 min</c>, <c>16:03</c>,
/// <c>2 days, 19:32</c>, <c>1 day, 3 min</c>, and the words of <c>-p</c> (weeks, days, hours, minutes).
/// Load averages may use a decimal comma (<c>0,54, 1,04, 0,92</c>) and the label may be translated:
/// the numbers after the last colon are read. A line without a user count is BusyBox (procps always
/// prints one); otherwise the variant is procps unless the caller says busybox.
/// </remarks>
public sealed class UptimeParser : IOutputParser
{
    public const string ProcpsVariant = "procps";
    public const string BusyBoxVariant = "busybox";

    private static readonly ParserInfo SharedInfo = new(
        "uptime",
        "1.0.0",
        "uptime output (procps-ng, BusyBox; with or without a user count): an UptimeInfo per line.",
        new[] { ProcpsVariant, BusyBoxVariant },
        typeof(UptimeInfo),
        new[] { typeof(UptimeInfo) });

    public ParserInfo Info => SharedInfo;

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var forced = ParserText.ForcedVariant(context, Info);
        var records = new List<CapsuleRecord>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return records;
        }

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

            if (!TryRead(line.Trim(), out var info, out var why))
            {
                context.Report(lineNumber, line.ToString(), why);
                continue;
            }

            info.Variant = forced ?? (info.Users is null && info.LoadAverage1 is not null ? BusyBoxVariant : ProcpsVariant);
            info.SetSource(text, lineStart, line.Length);
            records.Add(info);
        }

        return records;
    }

    private static bool TryRead(ReadOnlySpan<char> t, out UptimeInfo info, out string why)
    {
        info = new UptimeInfo();
        why = string.Empty;
        var up = t.IndexOf("up ", StringComparison.Ordinal);
        if (up < 0)
        {
            why = "no 'up'";
            return false;
        }

        if (up > 0)
        {
            var clock = t[..up].Trim();
            if (!ParserText.TryParseClockDuration(clock, out var time) || clock.Count(':') != 2)
            {
                why = $"'{clock}' is not a time of day";
                return false;
            }

            info.Time = time;
        }

        var rest = t[(up + 3)..];
        var loadLabel = rest.IndexOf("load average", StringComparison.Ordinal);
        ReadOnlySpan<char> middle;
        if (loadLabel >= 0)
        {
            middle = rest[..loadLabel];
            var colon = rest[loadLabel..].IndexOf(':');
            if (colon < 0 || !TryLoads(rest[(loadLabel + colon + 1)..], info))
            {
                why = "load averages not readable";
                return false;
            }
        }
        else
        {
            // Translated label (e.g. "Durchschnittslast:"): the numbers after the last colon, if any
            // colon follows the last comma-separated up-time part.
            var lastColon = rest.LastIndexOf(':');
            var afterColon = lastColon >= 0 ? rest[(lastColon + 1)..] : default;
            if (lastColon >= 0 && TryLoads(afterColon, info))
            {
                var labelStart = rest[..lastColon].LastIndexOf(',');
                middle = labelStart >= 0 ? rest[..(labelStart + 1)] : default;
            }
            else
            {
                middle = rest; // uptime -p
            }
        }

        long minutes = 0;
        var any = false;
        var remaining = middle;
        while (!remaining.IsEmpty)
        {
            var comma = remaining.IndexOf(',');
            var part = (comma < 0 ? remaining : remaining[..comma]).Trim();
            remaining = comma < 0 ? default : remaining[(comma + 1)..];
            if (part.IsEmpty)
            {
                continue;
            }

            var space = part.IndexOf(' ');
            if (space < 0)
            {
                // H:MM
                var c = part.IndexOf(':');
                if (c > 0 && ParserText.TryDigits(part[..c], out var h) && ParserText.TryDigits(part[(c + 1)..], out var m) && part.Length - c - 1 == 2)
                {
                    minutes += h * 60 + m;
                    any = true;
                    continue;
                }

                why = $"'{part}' is not an up time";
                return false;
            }

            if (!ParserText.TryDigits(part[..space], out var n))
            {
                why = $"'{part}' is not an up time";
                return false;
            }

            var word = part[(space + 1)..].Trim();
            if (word.StartsWith("week", StringComparison.Ordinal))
            {
                minutes += n * 7 * 24 * 60;
                any = true;
            }
            else if (word.StartsWith("day", StringComparison.Ordinal) || word.StartsWith("Tag", StringComparison.Ordinal))
            {
                minutes += n * 24 * 60;
                any = true;
            }
            else if (word.StartsWith("hour", StringComparison.Ordinal) || word.StartsWith("Stunde", StringComparison.Ordinal))
            {
                minutes += n * 60;
                any = true;
            }
            else if (word.StartsWith("min", StringComparison.Ordinal) || word.StartsWith("Min", StringComparison.Ordinal))
            {
                minutes += n;
                any = true;
            }
            else if (word.StartsWith("year", StringComparison.Ordinal))
            {
                minutes += n * 365 * 24 * 60;
                any = true;
            }
            else
            {
                // "0 users", "1 user", "2 Benutzer": the user count.
                info.Users = (int)Math.Min(n, int.MaxValue);
            }
        }

        if (any)
        {
            info.Uptime = TimeSpan.FromMinutes(minutes);
        }
        else if (info.LoadAverage1 is null)
        {
            why = "neither an up time nor load averages";
            return false;
        }

        return true;
    }

    /// <summary>Three load averages separated by ", " or blanks; a decimal comma is allowed when ", " separates them.</summary>
    private static bool TryLoads(ReadOnlySpan<char> s, UptimeInfo info)
    {
        s = s.Trim();
        Span<double> values = stackalloc double[3];
        var count = 0;
        var separatedByCommaSpace = s.IndexOf(", ", StringComparison.Ordinal) >= 0;
        while (!s.IsEmpty && count < 3)
        {
            int cut;
            int skip;
            if (separatedByCommaSpace)
            {
                cut = s.IndexOf(", ", StringComparison.Ordinal);
                skip = 2;
            }
            else
            {
                cut = s.IndexOfAny(' ', '\t');
                skip = 1;
            }

            var cell = cut < 0 ? s : s[..cut];
            if (!Units.TryParseDouble(cell, out values[count]) || values[count] < 0)
            {
                return false;
            }

            count++;
            s = cut < 0 ? default : s[(cut + skip)..].TrimStart();
        }

        if (count != 3 || !s.IsEmpty)
        {
            return false;
        }

        info.LoadAverage1 = values[0];
        info.LoadAverage5 = values[1];
        info.LoadAverage15 = values[2];
        return true;
    }
}
