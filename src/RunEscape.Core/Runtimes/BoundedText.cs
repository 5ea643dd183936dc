using System.Text;

namespace RunEscape.Runtimes;

/// <summary>
/// A utility's output kept up to a cap, as the UTF-8 bytes it arrived in, and decoded once at the
/// end straight into the final string (invalid bytes become U+FFFD, so binary garbage cannot break
/// decoding). Bytes take half the memory of UTF-16 text and the string is the only decoded copy,
/// so a full cap costs about 3 x the cap at the end (bytes + text), never the 4 x of text built
/// in a StringBuilder and copied out of it.
/// </summary>
internal sealed class BoundedText
{
    private const int FirstSegment = 16 * 1024;
    private const int LargestSegment = 1024 * 1024;

    private readonly List<byte[]> _segments = new();
    private readonly long _max;
    private int _used;

    internal BoundedText(long max) => _max = max;

    /// <summary>Bytes kept so far (at most the cap).</summary>
    internal long Bytes { get; private set; }

    /// <summary>Whether bytes past the cap arrived and were dropped.</summary>
    internal bool Truncated { get; private set; }

    /// <summary>Keeps what fits under the cap; false once bytes had to be dropped.</summary>
    internal bool Append(ReadOnlySpan<byte> bytes)
    {
        var take = (int)Math.Min(bytes.Length, _max - Bytes);
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

        if (take < bytes.Length)
        {
            Truncated = true;
        }

        return !Truncated;
    }

    /// <summary>The kept bytes as text; the segments are released.</summary>
    internal string Decode()
    {
        // Count first, so the string is allocated once at its final size. Decoder.GetCharCount
        // keeps no state between calls, so a character split across segments would be miscounted:
        // count by decoding (Convert carries the state) into a small scratch buffer instead.
        var length = 0L;
        var counter = NewDecoder();
        Span<char> scratch = stackalloc char[1024];
        for (var i = 0; i < _segments.Count; i++)
        {
            var bytes = Segment(i);
            var last = i == _segments.Count - 1;
            bool completed;
            do
            {
                counter.Convert(bytes, scratch, last, out var used, out var chars, out completed);
                length += chars;
                bytes = bytes[used..];
            }
            while (!completed);
        }

        var text = length == 0 ? string.Empty : string.Create(checked((int)length), this, static (chars, self) =>
        {
            var decoder = NewDecoder();
            var at = 0;
            for (var i = 0; i < self._segments.Count; i++)
            {
                at += decoder.GetChars(self.Segment(i), chars[at..], flush: i == self._segments.Count - 1);
            }
        });
        _segments.Clear();
        _used = 0;
        return text;
    }

    private ReadOnlySpan<byte> Segment(int i) => i == _segments.Count - 1 ? _segments[i].AsSpan(0, _used) : _segments[i];

    private static Decoder NewDecoder() => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
}
