using System.Text;
using RunEscape.Lifecycle;

namespace RunEscape.Runtimes;

/// <summary>
/// A utility's output kept up to a cap, as the UTF-8 bytes it arrived in, and decoded once at the
/// end straight into the final string (invalid bytes become U+FFFD, so binary garbage cannot break
/// decoding). Bytes take half the memory of UTF-16 text and the string is the only decoded copy,
/// so a full cap costs about 3 x the cap at the end (bytes + text), never the 4 x of text built
/// in a StringBuilder and copied out of it. A line cap bounds what the text becomes: every line may
/// become a record, and a record costs far more than a short line's bytes (`yes` prints 2 bytes a
/// line), so the byte cap alone let 32 MiB of output become 16 million records.
/// </summary>
internal sealed class BoundedText
{
    private const int FirstSegment = 16 * 1024;
    private const int LargestSegment = 1024 * 1024;

    private readonly List<byte[]> _segments = new();
    private readonly long _max;
    private readonly long _maxLines;
    private int _used;

    /// <param name="max">Bytes kept at the most.</param>
    /// <param name="maxLines">Lines kept at the most: after the line feed that ends the last of them, any byte is past the cap.</param>
    internal BoundedText(long max, long maxLines = long.MaxValue)
    {
        _max = max;
        _maxLines = maxLines;
    }

    /// <summary>The byte cap.</summary>
    internal long MaxBytes => _max;

    /// <summary>Line feeds kept so far (at most the line cap).</summary>
    internal long Lines { get; private set; }

    /// <summary>Which cap dropped bytes (None while everything fits).</summary>
    internal OutputLimit TruncatedBy { get; private set; }

    /// <summary>Bytes kept so far (at most the cap).</summary>
    internal long Bytes { get; private set; }

    /// <summary>Whether bytes past a cap arrived and were dropped.</summary>
    internal bool Truncated => TruncatedBy != OutputLimit.None;

    /// <summary>Keeps what fits under the caps; false once bytes had to be dropped.</summary>
    internal bool Append(ReadOnlySpan<byte> bytes)
    {
        if (Truncated)
        {
            return false;
        }

        var take = (int)Math.Min(bytes.Length, _max - Bytes);
        var limit = take < bytes.Length ? OutputLimit.Bytes : OutputLimit.None;
        if (_maxLines != long.MaxValue)
        {
            // Count the line feeds in what fits; a byte after the one that ends the last allowed
            // line is past the line cap.
            // All of it fits when its line feeds leave the count below the cap (one vectorized
            // count); otherwise walk line by line to the cut.
            var scan = bytes[..take];
            var feeds = scan.Count((byte)'\n');
            var at = 0;
            if (Lines + feeds < _maxLines)
            {
                Lines += feeds;
                at = scan.Length;
            }

            while (at < scan.Length)
            {
                if (Lines == _maxLines)
                {
                    take = at;
                    limit = OutputLimit.Lines;
                    break;
                }

                var lf = scan[at..].IndexOf((byte)'\n');
                if (lf < 0)
                {
                    break;
                }

                Lines++;
                at += lf + 1;
            }

            if (limit == OutputLimit.Bytes && Lines == _maxLines)
            {
                // The byte cap fell right after the last allowed line: the kept lines are whole,
                // and any further byte was past the line cap as well.
                limit = OutputLimit.Lines;
            }
        }

        var rest = bytes[..take];
        while (!rest.IsEmpty)
        {
            if (_segments.Count == 0 || _used == _segments[^1].Length)
            {
                var size = _segments.Count == 0 ? FirstSegment : Math.Min(LargestSegment, _segments[^1].Length * 2);
                _segments.Add(new byte[(int)Math.Min(size, _max - Bytes)]);
                _used = 0;
            }

            var segment = _segments[^1];
            var n = Math.Min(rest.Length, segment.Length - _used);
            rest[..n].CopyTo(segment.AsSpan(_used));
            _used += n;
            Bytes += n;
            rest = rest[n..];
        }

        TruncatedBy = limit;
        return !Truncated;
    }

    /// <summary>
    /// The kept bytes as text; the segments are released. Output cut off by a cap ends at the last
    /// whole character (a character the cap cut in two is dropped, not decoded to U+FFFD); output
    /// that really ended mid-character ends in U+FFFD.
    /// </summary>
    internal string Decode()
    {
        var flushAtEnd = !Truncated;
        // Count first, so the string is allocated once at its final size. Decoder.GetCharCount
        // keeps no state between calls, so a character split across segments would be miscounted:
        // count by decoding (Convert carries the state) into a small scratch buffer instead.
        var length = 0L;
        var counter = NewDecoder();
        Span<char> scratch = stackalloc char[1024];
        for (var i = 0; i < _segments.Count; i++)
        {
            var bytes = Segment(i);
            var last = i == _segments.Count - 1 && flushAtEnd;
            bool completed;
            do
            {
                counter.Convert(bytes, scratch, last, out var used, out var chars, out completed);
                length += chars;
                bytes = bytes[used..];
            }
            while (!completed);
        }

        var text = length == 0 ? string.Empty : string.Create(checked((int)length), (self: this, flushAtEnd), static (chars, state) =>
        {
            var (self, flush) = state;
            var decoder = NewDecoder();
            var at = 0;
            for (var i = 0; i < self._segments.Count; i++)
            {
                at += decoder.GetChars(self.Segment(i), chars[at..], flush: flush && i == self._segments.Count - 1);
            }
        });
        _segments.Clear();
        _used = 0;
        return text;
    }

    private ReadOnlySpan<byte> Segment(int i) => i == _segments.Count - 1 ? _segments[i].AsSpan(0, _used) : _segments[i];

    private static Decoder NewDecoder() => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
}
