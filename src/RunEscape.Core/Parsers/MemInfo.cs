using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// The contents of <c>/proc/meminfo</c> (host-wide: a container sees the host's memory). The common
/// fields are properties in bytes; <see cref="Entries"/> holds every line: sizes in bytes for
/// <c>kB</c> lines, plain counts (HugePages_*) as printed.
/// </summary>
public sealed class MemInfo : CapsuleRecord
{
    public long? MemTotal { get; set; }

    public long? MemFree { get; set; }

    public long? MemAvailable { get; set; }

    public long? Buffers { get; set; }

    public long? Cached { get; set; }

    public long? SwapCached { get; set; }

    public long? Active { get; set; }

    public long? Inactive { get; set; }

    public long? SwapTotal { get; set; }

    public long? SwapFree { get; set; }

    public long? Dirty { get; set; }

    public long? Shmem { get; set; }

    public long? Slab { get; set; }

    public long? CommitLimit { get; set; }

    /// <summary>Committed_AS.</summary>
    public long? CommittedAS { get; set; }

    /// <summary>HugePages_Total (a count).</summary>
    public long? HugePagesTotal { get; set; }

    /// <summary>Hugepagesize, bytes.</summary>
    public long? HugePageSize { get; set; }

    /// <summary>Every line by its name, in file order: bytes for kB lines, counts otherwise.</summary>
    public IReadOnlyDictionary<string, long> Entries { get; set; } = new Dictionary<string, long>();

    /// <summary>Output variant: <c>proc</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}
