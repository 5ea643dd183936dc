using System.Globalization;
using System.Text.RegularExpressions;
using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// Reads a mount table in any of its three shapes and tells them apart line by line:
/// <c>mountinfo</c> (/proc/&lt;pid&gt;/mountinfo: ids, major:minor, root, optional fields, <c>-</c>),
/// <c>mounts</c> (/proc/mounts, /etc/mtab, fstab: six blank-separated fields) and
/// <c>mount</c> (the output of util-linux or BusyBox <c>mount</c>: <c>SRC on DIR type FS (OPTS)</c>;
/// also the BSD/macOS shape <c>SRC on DIR (FS, OPTS)</c>). Kernel octal escapes
/// (<c>\040</c> for a space) are decoded; in <c>mount</c> output a mount point may hold plain spaces.
/// </summary>
public sealed partial class MountParser : IOutputParser
{
    public const string MountInfoVariant = "mountinfo";
    public const string MountsVariant = "mounts";
    public const string MountVariant = "mount";

    private static readonly ParserInfo SharedInfo = new(
        "mount",
        "1.0.0",
        "Mount tables: /proc/<pid>/mountinfo, /proc/mounts, mount output (util-linux, BusyBox): one MountEntry per mount.",
        new[] { MountInfoVariant, MountsVariant, MountVariant },
        typeof(MountEntry),
        new[] { typeof(MountEntry) });

    /// <inheritdoc />
    public ParserInfo Info => SharedInfo;

    /// <inheritdoc />
    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _ = ParserText.ForcedVariant(context, Info);
        var records = new List<CapsuleRecord>();
        if (TextLines.IsBlank(text))
        {
            return records;
        }

        foreach (var (number, line) in TextLines.Enumerate(text))
        {
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var entry = TryMountOutput(line) ?? TryMountInfo(line) ?? TryMounts(line);
            if (entry is null)
            {
                context.Report(number, line, "not a mount table line (mountinfo, /proc/mounts or mount output)");
                continue;
            }

            entry.SourceLine = line;
            entry.ReadOnly = entry.Options.Contains("ro") || entry.Options.Contains("read-only");
            records.Add(entry);
        }

        return records;
    }

    private static MountEntry? TryMountOutput(string line)
    {
        var m = MountLine().Match(line);
        if (m.Success)
        {
            return new MountEntry
            {
                Source = m.Groups["src"].Value,
                MountPoint = m.Groups["dir"].Value,
                FileSystemType = m.Groups["type"].Value,
                Options = SplitOptions(m.Groups["opts"].Value, ','),
                Variant = MountVariant,
            };
        }

        m = BsdMountLine().Match(line);
        if (m.Success)
        {
            var parts = SplitOptions(m.Groups["opts"].Value, ',');
            return new MountEntry
            {
                Source = m.Groups["src"].Value,
                MountPoint = m.Groups["dir"].Value,
                FileSystemType = parts.Count > 0 ? parts[0] : string.Empty,
                Options = parts.Skip(1).ToList(),
                Variant = MountVariant,
            };
        }

        return null;
    }

    private static MountEntry? TryMountInfo(string line)
    {
        // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 10 || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) || !fields[2].Contains(':', StringComparison.Ordinal))
        {
            return null;
        }

        var dash = Array.IndexOf(fields, "-", 6);
        if (dash < 0 || dash + 2 >= fields.Length)
        {
            return null;
        }

        return new MountEntry
        {
            MountId = id,
            ParentId = parent,
            Device = fields[2],
            Root = TextLines.DecodeOctal(fields[3]),
            MountPoint = TextLines.DecodeOctal(fields[4]),
            Options = SplitOptions(fields[5], ','),
            OptionalFields = fields[6..dash],
            FileSystemType = fields[dash + 1],
            Source = TextLines.DecodeOctal(fields[dash + 2]),
            SuperOptions = dash + 3 < fields.Length ? SplitOptions(fields[dash + 3], ',') : Array.Empty<string>(),
            Variant = MountInfoVariant,
        };
    }

    private static MountEntry? TryMounts(string line)
    {
        // overlay / overlay rw,relatime,lowerdir=... 0 0
        var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is < 4 or > 6)
        {
            return null;
        }

        if (fields.Length == 6 && !(IsDigits(fields[4]) && IsDigits(fields[5])))
        {
            return null;
        }

        // The second field is a path (fstab also allows none and swap).
        if (!(fields[1].StartsWith('/') || fields[1] is "none" or "swap"))
        {
            return null;
        }

        return new MountEntry
        {
            Source = TextLines.DecodeOctal(fields[0]),
            MountPoint = TextLines.DecodeOctal(fields[1]),
            FileSystemType = fields[2],
            Options = SplitOptions(fields[3], ','),
            Variant = MountsVariant,
        };
    }

    private static bool IsDigits(string s) => s.Length > 0 && s.All(char.IsAsciiDigit);

    private static List<string> SplitOptions(string text, char separator) =>
        text.Split(separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    [GeneratedRegex(@"^(?<src>.+?) on (?<dir>.+) type (?<type>\S+) \((?<opts>[^()]*)\)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex MountLine();

    [GeneratedRegex(@"^(?<src>.+?) on (?<dir>.+) \((?<opts>[^()]*)\)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex BsdMountLine();
}
