using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// Reads <c>du</c> output (GNU coreutils and BusyBox print the same shape: size, a tab, the path).
/// Sizes without a suffix are KiB (du's default 1K blocks, <c>-k</c>); <c>-h</c> sizes carry a
/// binary suffix (<c>4.0K</c>, <c>12M</c>); the <c>bytes</c> variant reads <c>du -b</c> output.
/// </summary>
public sealed class DuParser : IOutputParser
{
    public const string CoreutilsVariant = "coreutils";
    public const string BusyBoxVariant = "busybox";
    public const string BytesVariant = "bytes";

    private static readonly ParserInfo SharedInfo = new(
        "du",
        "1.0.0",
        "du output (GNU coreutils, BusyBox; -k default, -h, -s, -a; -b as variant 'bytes'): one DiskUsage per line.",
        new[] { CoreutilsVariant, BusyBoxVariant, BytesVariant },
        typeof(DiskUsage),
        new[] { typeof(DiskUsage) });

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

        var unit = forced == BytesVariant ? Units.Byte : Units.KiB;
        foreach (var (number, line) in TextLines.Enumerate(text))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            // "size<TAB>path"; the path may hold spaces and even tabs, so split at the first tab,
            // or at the first blank run when a copy lost its tabs.
            var split = line.IndexOf('\t', StringComparison.Ordinal);
            var trimmed = line.TrimStart();
            var offset = line.Length - trimmed.Length;
            if (split < 0)
            {
                var blank = trimmed.IndexOf(' ', StringComparison.Ordinal);
                split = blank < 0 ? -1 : blank + offset;
            }

            if (split <= offset)
            {
                context.Report(number, line, "not a du line: expected a size, a tab and a path");
                continue;
            }

            var sizeText = line[offset..split];
            var path = line[(split + 1)..].TrimStart(' ');
            if (path.Length == 0 || !Units.TryParseSize(sizeText, unit, out var bytes))
            {
                context.Report(number, line, $"not a du line: '{sizeText}' is not a size or the path is missing");
                continue;
            }

            records.Add(new DiskUsage { Size = bytes, Path = path, SourceLine = line });
        }

        return records;
    }
}
