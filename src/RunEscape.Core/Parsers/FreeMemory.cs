using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// One row of <c>free</c> output (<c>Mem</c>, <c>Swap</c>, <c>Total</c> with <c>-t</c>, <c>Low</c>/<c>High</c>
/// with <c>-l</c>, or the old <c>-/+ buffers/cache</c>). Sizes are bytes; a column free did not print is null.
/// </summary>
public sealed class FreeMemory : CapsuleRecord
{
    /// <summary>Row label without its colon: <c>Mem</c>, <c>Swap</c>, <c>Total</c>, <c>Low</c>, <c>High</c>, <c>-/+ buffers/cache</c>.</summary>
    public string Kind { get; set; } = string.Empty;

    public long? Total { get; set; }

    public long? Used { get; set; }

    public long? Free { get; set; }

    public long? Shared { get; set; }

    /// <summary>Buffers and page cache together (<c>buff/cache</c>).</summary>
    public long? BuffCache { get; set; }

    /// <summary>Buffers alone (<c>-w</c>, or old free's <c>buffers</c>).</summary>
    public long? Buffers { get; set; }

    /// <summary>Page cache alone (<c>-w</c> <c>cache</c>, or old free's <c>cached</c>).</summary>
    public long? Cache { get; set; }

    /// <summary>Estimated memory available for new work (<c>available</c>).</summary>
    public long? Available { get; set; }

    /// <summary>Output variant: <c>procps</c> or <c>busybox</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}
