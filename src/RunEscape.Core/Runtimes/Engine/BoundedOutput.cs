using Docker.DotNet;
using RunEscape.Lifecycle;

namespace RunEscape.Runtimes.Engine;

/// <summary>
/// Reads a capsule's multiplexed stdout/stderr up to a byte cap each and stdout up to a line cap
/// (<see cref="BoundedText"/>), so a
/// utility that prints without end or prints binary garbage cannot exhaust the client's memory.
/// </summary>
internal static class BoundedOutput
{
    private const int ChunkSize = 81920;

    internal readonly record struct Result(string StandardOutput, string StandardError, OutputLimit TruncatedBy)
    {
        internal bool Truncated => TruncatedBy != OutputLimit.None;
    }

    internal static async Task<Result> ReadAsync(MultiplexedStream stream, long maxBytes, long maxLines, CancellationToken cancellationToken)
    {
        var buffer = new byte[ChunkSize];
        var stdout = new BoundedText(maxBytes, maxLines);
        var stderr = new BoundedText(maxBytes);
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
                break;
            }
        }

        return new Result(stdout.Decode(), stderr.Decode(), stdout.Truncated ? stdout.TruncatedBy : stderr.TruncatedBy);
    }
}
