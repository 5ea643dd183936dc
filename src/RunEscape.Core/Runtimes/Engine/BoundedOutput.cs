using System.Text;
using Docker.DotNet;

namespace RunEscape.Runtimes.Engine;

/// <summary>
/// Reads a capsule's multiplexed stdout/stderr up to a cap each, decoding UTF-8 as it goes
/// (invalid bytes become U+FFFD), so a utility that prints without end or prints binary
/// garbage cannot exhaust the client's memory.
/// </summary>
internal static class BoundedOutput
{
    private const int ChunkSize = 81920;

    internal readonly record struct Result(string StandardOutput, string StandardError, bool Truncated);

    internal static async Task<Result> ReadAsync(MultiplexedStream stream, long maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkSize];
        var stdout = new Sink(maxBytes);
        var stderr = new Sink(maxBytes);
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
            if (read.EOF)
            {
                break;
            }

            var sink = read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout;
            if (!sink.Append(buffer.AsSpan(0, read.Count)))
            {
                return new Result(stdout.Finish(), stderr.Finish(), true);
            }
        }

        return new Result(stdout.Finish(), stderr.Finish(), false);
    }

    private sealed class Sink
    {
        private readonly Decoder _decoder = new UTF8Encoding(false, false).GetDecoder();
        private readonly StringBuilder _text = new();
        private readonly long _max;
        private long _bytes;
        private char[] _chars = new char[ChunkSize + 4];

        internal Sink(long max) => _max = max;

        /// <summary>Appends what fits under the cap; false once the cap is reached.</summary>
        internal bool Append(ReadOnlySpan<byte> bytes)
        {
            var room = _max - _bytes;
            var take = (int)Math.Min(bytes.Length, room);
            Decode(bytes[..take], flush: false);
            _bytes += take;
            return take == bytes.Length && _bytes < _max;
        }

        internal string Finish()
        {
            Decode(ReadOnlySpan<byte>.Empty, flush: true);
            return _text.ToString();
        }

        private void Decode(ReadOnlySpan<byte> bytes, bool flush)
        {
            var needed = _decoder.GetCharCount(bytes, flush);
            if (needed > _chars.Length)
            {
                _chars = new char[needed];
            }

            var count = _decoder.GetChars(bytes, _chars, flush);
            _text.Append(_chars, 0, count);
        }
    }
}
