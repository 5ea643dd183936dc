using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// Reads <c>df</c> output of GNU coreutils and BusyBox, by its header: <c>-k</c> (1K-blocks),
/// POSIX <c>-P</c> (1024-blocks, Capacity), <c>-h</c> (Size, unit suffixes), <c>-T</c> (Type),
/// <c>-i</c> (Inodes, IUsed, IFree, IUse%), and German headers (LANG=de_DE).
/// </summary>
/// <remarks>
/// The mount point is the rest of the line after the last number column, so it may hold spaces.
/// A filesystem name too long for its column that BusyBox (or <c>df</c> without <c>-P</c>) puts on
/// a line of its own is joined to the next line. Block columns are in the unit the header names
/// (<c>1K-blocks</c> = KiB, <c>1M-blocks</c> = MiB, <c>512-blocks</c>…); human-readable sizes use
/// binary suffixes; <c>-</c> becomes null.
/// </remarks>
public sealed class DfParser : IOutputParser
{
    public const string CoreutilsVariant = "coreutils";
    public const string BusyBoxVariant = "busybox";

    private static readonly ParserInfo SharedInfo = new(
        "df",
        "1.0.0",
        "df output (GNU coreutils, BusyBox; -k, -P, -h, -T, -i): one DiskFree per filesystem.",
        new[] { CoreutilsVariant, BusyBoxVariant },
        typeof(DiskFree),
        new[] { typeof(DiskFree) });

    private enum Column
    {
        Filesystem,
        Type,
        Size,
        Used,
        Available,
        UsePercent,
        Inodes,
        InodesUsed,
        InodesFree,
        InodesUsePercent,
        MountedOn,
        Unknown,
    }

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

        List<Column>? columns = null;
        var sizeUnit = Units.KiB;
        var variant = forced;
        string? pendingFilesystem = null;
        string? pendingLine = null;
        foreach (var (number, line) in TextLines.Enumerate(text))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var words = TextLines.Words(line);
            if (TryReadHeader(line, words, out var header, out var unit))
            {
                columns = header;
                sizeUnit = unit;
                variant ??= DetectVariant(line);
                continue;
            }

            if (columns is null)
            {
                context.Report(number, line, "not a df line: no header (Filesystem … Mounted on) before it");
                continue;
            }

            // A long filesystem name alone on its line: the numbers follow on the next line.
            if (words.Count == 1 && pendingFilesystem is null)
            {
                pendingFilesystem = words[0].Text;
                pendingLine = line;
                continue;
            }

            var cells = new List<(int Start, string Text)>();
            if (pendingFilesystem is not null)
            {
                cells.Add((-1, pendingFilesystem));
            }

            cells.AddRange(words);
            var sourceLine = pendingLine is null ? line : pendingLine + "\n" + line;
            pendingFilesystem = null;
            pendingLine = null;

            // Every column but the last (Mounted on) is one word; the mount point is the rest.
            var fixedCount = columns.Count - 1;
            if (cells.Count < columns.Count)
            {
                context.Report(number, sourceLine, $"a df row needs {columns.Count} columns, found {cells.Count}");
                continue;
            }

            // A filesystem name with spaces: extra words belong to it, not to the mount point,
            // only when the mount point would otherwise not start with '/'.
            var extra = cells.Count - columns.Count;
            var shift = 0;
            if (extra > 0 && columns[0] == Column.Filesystem && !cells[fixedCount].Text.StartsWith('/') && cells[0].Start >= 0)
            {
                for (var k = 1; k <= extra; k++)
                {
                    if (cells[fixedCount + k].Text.StartsWith('/'))
                    {
                        shift = k;
                        break;
                    }
                }
            }

            var record = new DiskFree { SourceLine = sourceLine, Variant = variant ?? CoreutilsVariant };
            var problems = new List<string>();
            for (var c = 0; c < fixedCount; c++)
            {
                var cell = c == 0 && shift > 0
                    ? line[cells[0].Start..(cells[shift].Start + cells[shift].Text.Length)]
                    : cells[c == 0 ? 0 : c + shift].Text;
                Apply(record, columns[c], cell, sizeUnit, problems);
            }

            var mountCell = cells[fixedCount + shift];
            record.MountPoint = mountCell.Start >= 0 ? line[mountCell.Start..].TrimEnd() : mountCell.Text;
            if (problems.Count > 0)
            {
                context.Report(number, sourceLine, string.Join("; ", problems));
            }

            records.Add(record);
        }

        if (pendingLine is not null)
        {
            context.Report(0, pendingLine, "a filesystem name with no numbers after it");
        }

        return records;
    }

    private static void Apply(DiskFree r, Column column, string cell, long sizeUnit, List<string> problems)
    {
        switch (column)
        {
            case Column.Filesystem:
                r.Filesystem = cell;
                break;
            case Column.Type:
                r.Type = cell;
                break;
            case Column.Size:
                r.Size = Size(cell, sizeUnit, "size", problems);
                break;
            case Column.Used:
                r.Used = Size(cell, sizeUnit, "used", problems);
                break;
            case Column.Available:
                r.Available = Size(cell, sizeUnit, "available", problems);
                break;
            case Column.UsePercent:
                r.UsePercent = Percent(cell, "use%", problems);
                break;
            case Column.Inodes:
                r.Inodes = Size(cell, 1, "inodes", problems);
                break;
            case Column.InodesUsed:
                r.InodesUsed = Size(cell, 1, "iused", problems);
                break;
            case Column.InodesFree:
                r.InodesFree = Size(cell, 1, "ifree", problems);
                break;
            case Column.InodesUsePercent:
                r.InodesUsePercent = Percent(cell, "iuse%", problems);
                break;
        }
    }

    private static long? Size(string cell, long unit, string what, List<string> problems)
    {
        if (cell == "-")
        {
            return null;
        }

        if (Units.TryParseSize(cell, unit, out var bytes))
        {
            return bytes;
        }

        problems.Add($"{what} '{cell}' is not a size");
        return null;
    }

    private static double? Percent(string cell, string what, List<string> problems)
    {
        if (cell == "-")
        {
            return null;
        }

        if (Units.TryParsePercent(cell, out var value))
        {
            return value;
        }

        problems.Add($"{what} '{cell}' is not a percentage");
        return null;
    }

    /// <summary>
    /// BusyBox heads <c>-h</c> as "Size … Available" (GNU: "Size … Avail") and <c>-i</c> as
    /// "Inodes Used Available Use%" (GNU: "Inodes IUsed IFree IUse%"); otherwise its fixed
    /// 20-character Filesystem column leaves exactly 11 blanks after the word (GNU sizes it to the content).
    /// </summary>
    private static string DetectVariant(string header)
    {
        var words = header.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if ((words.Contains("Size") && words.Contains("Available")) || (words.Contains("Inodes") && words.Contains("Used")))
        {
            return BusyBoxVariant;
        }

        const string FixedWidth = "Filesystem           ";
        return header.StartsWith(FixedWidth, StringComparison.Ordinal) && header.Length > FixedWidth.Length && header[FixedWidth.Length] != ' '
            ? BusyBoxVariant
            : CoreutilsVariant;
    }

    private static bool TryReadHeader(string line, List<(int Start, string Text)> words, out List<Column> columns, out long sizeUnit)
    {
        columns = new List<Column>();
        sizeUnit = Units.KiB;
        if (words.Count < 3)
        {
            return false;
        }

        var first = words[0].Text;
        if (!first.Equals("Filesystem", StringComparison.OrdinalIgnoreCase) && !first.Equals("Dateisystem", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        for (var i = 0; i < words.Count; i++)
        {
            var w = words[i].Text;
            var lower = w.ToLowerInvariant();
            if (lower is "mounted" or "eingehängt")
            {
                columns.Add(Column.MountedOn);
                break; // "on" / "auf" follow
            }

            var column = lower switch
            {
                "filesystem" or "dateisystem" => Column.Filesystem,
                "type" or "typ" => Column.Type,
                "size" or "größe" or "groesse" => Column.Size,
                "used" or "benutzt" => Column.Used,
                "available" or "avail" or "free" or "verfügbar" or "verf." => Column.Available,
                "use%" or "capacity" or "verw%" or "verw.%" => Column.UsePercent,
                "inodes" or "inoden" => Column.Inodes,
                "iused" or "ibenutzt" => Column.InodesUsed,
                "ifree" or "ifrei" => Column.InodesFree,
                "iuse%" or "iverw%" or "iverw.%" => Column.InodesUsePercent,
                _ => BlocksColumn(lower, ref sizeUnit),
            };
            columns.Add(column);
        }

        if (columns[^1] != Column.MountedOn || columns.Contains(Column.Unknown))
        {
            columns.Clear();
            return false;
        }

        // BusyBox "df -i" heads its inode columns "Inodes Used Available Use%".
        if (columns.Contains(Column.Inodes))
        {
            for (var i = 0; i < columns.Count; i++)
            {
                columns[i] = columns[i] switch
                {
                    Column.Used => Column.InodesUsed,
                    Column.Available => Column.InodesFree,
                    Column.UsePercent => Column.InodesUsePercent,
                    var other => other,
                };
            }
        }

        // In "df -h" the size columns carry their own suffixes; a bare number is bytes.
        if (columns.Contains(Column.Size) && !line.Contains("-blocks", StringComparison.OrdinalIgnoreCase) && !line.Contains("-Blöcke", StringComparison.OrdinalIgnoreCase))
        {
            sizeUnit = Units.Byte;
        }

        return true;
    }

    /// <summary>1K-blocks, 1024-blocks, 512-blocks, 1M-blocks, 1K-Blöcke: a size column in that unit.</summary>
    private static Column BlocksColumn(string lower, ref long sizeUnit)
    {
        var dash = lower.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !(lower[(dash + 1)..] is "blocks" or "blöcke"))
        {
            return Column.Unknown;
        }

        var unit = lower[..dash];
        if (Units.TryParseSize(unit, 1, out var bytes) && bytes > 0)
        {
            sizeUnit = bytes;
            return Column.Size;
        }

        return Column.Unknown;
    }
}
