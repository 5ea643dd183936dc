using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>Reads <c>/proc/meminfo</c> (<c>Name:   123 kB</c> lines) into one <see cref="MemInfo"/>.</summary>
public sealed class MemInfoParser : IOutputParser
{
    public const string ProcVariant = "proc";

    private static readonly ParserInfo SharedInfo = new(
        "meminfo",
        "1.0.0",
        "/proc/meminfo: one MemInfo with the common fields in bytes and every entry by name.",
        new[] { ProcVariant },
        typeof(MemInfo),
        new[] { typeof(MemInfo) });

    public ParserInfo Info => SharedInfo;

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var variant = ParserText.ForcedVariant(context, Info) ?? ProcVariant;
        if (string.IsNullOrWhiteSpace(text))
        {
            return Array.Empty<CapsuleRecord>();
        }

        var entries = new Dictionary<string, long>(StringComparer.Ordinal);
        var position = 0;
        var lineNumber = 0;
        while (ParserText.NextLine(text, ref position, out var line))
        {
            lineNumber++;
            if (line.IsWhiteSpace())
            {
                continue;
            }

            var colon = line.IndexOf(':');
            var name = colon > 0 ? line[..colon].Trim() : default;
            var value = colon > 0 ? line[(colon + 1)..].Trim() : default;
            var multiplier = 1L;
            if (value.EndsWith(" kB", StringComparison.Ordinal))
            {
                multiplier = Units.KiB;
                value = value[..^3].TrimEnd();
            }

            if (name.IsEmpty || !ParserText.TryDigits(value, out var n) || n > long.MaxValue / multiplier)
            {
                context.Report(lineNumber, line.ToString(), "not a 'Name: value [kB]' line");
                continue;
            }

            entries[name.ToString()] = n * multiplier;
        }

        if (entries.Count == 0)
        {
            return Array.Empty<CapsuleRecord>();
        }

        long? Get(string key) => entries.TryGetValue(key, out var v) ? v : null;
        var info = new MemInfo
        {
            MemTotal = Get("MemTotal"),
            MemFree = Get("MemFree"),
            MemAvailable = Get("MemAvailable"),
            Buffers = Get("Buffers"),
            Cached = Get("Cached"),
            SwapCached = Get("SwapCached"),
            Active = Get("Active"),
            Inactive = Get("Inactive"),
            SwapTotal = Get("SwapTotal"),
            SwapFree = Get("SwapFree"),
            Dirty = Get("Dirty"),
            Shmem = Get("Shmem"),
            Slab = Get("Slab"),
            CommitLimit = Get("CommitLimit"),
            CommittedAS = Get("Committed_AS"),
            HugePagesTotal = Get("HugePages_Total"),
            HugePageSize = Get("Hugepagesize"),
            Entries = entries,
            Variant = variant,
        };
        info.SourceLine = text;
        return new CapsuleRecord[] { info };
    }
}
