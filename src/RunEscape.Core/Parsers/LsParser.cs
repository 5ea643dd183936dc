using System.Globalization;
using System.Text.RegularExpressions;
using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// Reads <c>ls -l</c> / <c>ls -la</c> long listings of GNU coreutils and BusyBox, with
/// <c>--full-time</c> (a DateTimeOffset) or the short time (<c>Dec  3 16:51</c>, kept as text).
/// <c>total</c> lines are skipped; <c>dir:</c> lines set the directory of the entries after them.
/// GNU's full time has fractional seconds, BusyBox's has none: that tells the variants apart.
/// </summary>
public sealed partial class LsParser : IOutputParser
{
    public const string CoreutilsVariant = "coreutils";
    public const string BusyBoxVariant = "busybox";

    private static readonly ParserInfo SharedInfo = new(
        "ls",
        "1.0.0",
        "ls -l long listings (GNU coreutils, BusyBox; --full-time or short times): one FileEntry per entry.",
        new[] { CoreutilsVariant, BusyBoxVariant },
        typeof(FileEntry),
        new[] { typeof(FileEntry) });

    /// <inheritdoc />
    public ParserInfo Info => SharedInfo;

    /// <inheritdoc />
    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var forced = ParserText.ForcedVariant(context, Info);
        var records = new List<CapsuleRecord>();
        if (TextLines.IsBlank(text))
        {
            return records;
        }

        string? directory = null;
        foreach (var (number, line) in TextLines.Enumerate(text))
        {
            if (string.IsNullOrWhiteSpace(line) || TotalLine().IsMatch(line))
            {
                continue;
            }

            var m = EntryLine().Match(line);
            if (!m.Success)
            {
                if (line.EndsWith(':'))
                {
                    directory = line[..^1];
                    continue;
                }

                context.Report(number, line, "not an ls -l entry");
                continue;
            }

            var mode = m.Groups["mode"].Value;
            var entry = new FileEntry
            {
                Mode = mode,
                Type = mode[0] switch
                {
                    'd' => "Directory",
                    'l' => "SymbolicLink",
                    'c' => "CharacterDevice",
                    'b' => "BlockDevice",
                    'p' => "Fifo",
                    's' => "Socket",
                    _ => "File",
                },
                Links = int.Parse(m.Groups["links"].Value, NumberStyles.None, CultureInfo.InvariantCulture),
                Owner = m.Groups["owner"].Value,
                Group = m.Groups["group"].Value,
                ModifiedText = m.Groups["time"].Value,
                Directory = directory,
                SourceLine = line,
            };

            if (m.Groups["major"].Success)
            {
                entry.DeviceMajor = int.Parse(m.Groups["major"].Value, NumberStyles.None, CultureInfo.InvariantCulture);
                entry.DeviceMinor = int.Parse(m.Groups["minor"].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            }
            else
            {
                entry.Size = long.Parse(m.Groups["size"].Value, NumberStyles.None, CultureInfo.InvariantCulture);
            }

            var full = m.Groups["full"];
            entry.Variant = forced ?? (full.Success && !m.Groups["frac"].Success ? BusyBoxVariant : CoreutilsVariant);
            if (full.Success)
            {
                var stamp = m.Groups["date"].Value + "T" + m.Groups["clock"].Value + m.Groups["frac"].Value;
                if (m.Groups["frac"].Value.Length > 8)
                {
                    stamp = stamp[..^(m.Groups["frac"].Value.Length - 8)]; // .NET reads 7 fraction digits
                }

                if (DateTimeOffset.TryParse(stamp + m.Groups["zone"].Value.Insert(3, ":"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var when))
                {
                    entry.Modified = when;
                }
            }

            var name = m.Groups["name"].Value;
            if (entry.Type == "SymbolicLink")
            {
                var arrow = name.IndexOf(" -> ", StringComparison.Ordinal);
                if (arrow >= 0)
                {
                    entry.LinkTarget = name[(arrow + 4)..];
                    name = name[..arrow];
                }
            }

            entry.Name = name;
            entry.Path = directory is null || name.StartsWith('/') ? name : directory.TrimEnd('/') + "/" + name;
            records.Add(entry);
        }

        return records;
    }

    [GeneratedRegex(@"^total\s+\S+$", RegexOptions.CultureInvariant)]
    private static partial Regex TotalLine();

    [GeneratedRegex(
        @"^(?<mode>[-dlcbps][-rwxsStTl]{9}[.+@]?)\s+(?<links>\d+)\s+(?<owner>\S+)\s+(?<group>\S+)\s+(?:(?<major>\d+),\s*(?<minor>\d+)|(?<size>\d+))\s+(?<time>(?<full>(?<date>\d{4}-\d\d-\d\d) (?<clock>\d\d:\d\d:\d\d)(?<frac>\.\d+)? (?<zone>[+-]\d{4}))|[A-Z][a-z]{2}\s+\d{1,2}\s+(?:\d\d:\d\d|\d{4})) (?<name>.+)$",
        RegexOptions.CultureInvariant)]
    private static partial Regex EntryLine();
}
