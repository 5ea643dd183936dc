using System.Globalization;
using RunEscape.Parsing;

namespace RunEscape.Parsers.Network;

/// <summary>Span helpers shared by the network parsers: lines, blank-separated tokens, endpoints.</summary>
/// <summary>Reads one record from one line, or null when the line is not such a record.</summary>
internal delegate T? LineReader<T>(ReadOnlySpan<char> line)
    where T : class;

internal static class NetText
{
    /// <summary>
    /// Each non-blank line of <paramref name="text"/> through <paramref name="read"/>: a record is
    /// added, a refused line is reported with <paramref name="complaint"/> and the rest still parses.
    /// </summary>
    public static void ReadLines<T>(string text, ParseContext context, List<T> records, LineReader<T> read, string complaint)
        where T : class
    {
        var position = 0;
        var lineNumber = 0;
        while (NextLine(text, ref position, out var line))
        {
            lineNumber++;
            if (line.Trim().IsEmpty)
            {
                continue;
            }

            if (read(line) is { } record)
            {
                records.Add(record);
            }
            else
            {
                context.Report(lineNumber, line.ToString(), complaint);
            }
        }
    }

    /// <summary>Next line (without its end-of-line characters) from <paramref name="position"/>.</summary>
    public static bool NextLine(string text, ref int position, out ReadOnlySpan<char> line)
    {
        if (position >= text.Length)
        {
            line = default;
            return false;
        }

        var rest = text.AsSpan(position);
        var nl = rest.IndexOf('\n');
        if (nl < 0)
        {
            line = rest;
            position = text.Length;
        }
        else
        {
            line = rest[..nl];
            position += nl + 1;
        }

        if (!line.IsEmpty && line[^1] == '\r')
        {
            line = line[..^1];
        }

        return true;
    }

    /// <summary>Next blank-separated token at or after <paramref name="position"/>; its start is returned too.</summary>
    public static bool NextToken(ReadOnlySpan<char> line, ref int position, out ReadOnlySpan<char> token, out int start)
    {
        var i = position;
        while (i < line.Length && IsBlank(line[i]))
        {
            i++;
        }

        start = i;
        if (i >= line.Length)
        {
            token = default;
            position = i;
            return false;
        }

        var j = i;
        while (j < line.Length && !IsBlank(line[j]))
        {
            j++;
        }

        token = line[i..j];
        position = j;
        return true;
    }

    public static bool IsBlank(char c) => c == ' ' || c == '\t';

    public static bool TryInt(ReadOnlySpan<char> s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static bool TryLong(ReadOnlySpan<char> s, out long value) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static int? IntOrNull(ReadOnlySpan<char> s) => TryInt(s, out var v) ? v : null;

    /// <summary>Milliseconds as printed ("0.356") to a TimeSpan, exact to the tick (100 ns).</summary>
    public static bool TryMilliseconds(ReadOnlySpan<char> s, out TimeSpan value)
    {
        value = default;
        if (!Units.TryParseDouble(s, out var ms) || ms < 0)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)Math.Round(ms * TimeSpan.TicksPerMillisecond, MidpointRounding.AwayFromZero));
        return true;
    }

    /// <summary>Seconds as printed ("0.049671") to a TimeSpan, exact to the tick (100 ns).</summary>
    public static bool TrySeconds(ReadOnlySpan<char> s, out TimeSpan value)
    {
        value = default;
        if (!Units.TryParseDouble(s, out var seconds) || seconds < 0)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond, MidpointRounding.AwayFromZero));
        return true;
    }

    /// <summary>
    /// Splits an endpoint as ss, netstat and lsof print it: <c>addr:port</c>, <c>[v6]:port</c>,
    /// <c>*:*</c>, <c>:::8080</c> (netstat, split at the last colon), <c>127.0.0.53%lo:53</c>.
    /// A numeric port becomes <paramref name="port"/>; a service name (without -n) goes to
    /// <paramref name="service"/>; <c>*</c> gives neither.
    /// </summary>
    public static void SplitEndpoint(ReadOnlySpan<char> endpoint, out string address, out int? port, out string? service, out string? scope) =>
        SplitEndpoint(endpoint, null, out address, out port, out service, out scope);

    /// <summary>
    /// <see cref="SplitEndpoint(ReadOnlySpan{char}, out string, out int?, out string?, out string?)"/>, with the
    /// address string taken from <c>cache</c> when a recent line had the same address (a host's own address repeats on every line).
    /// </summary>
    public static void SplitEndpoint(ReadOnlySpan<char> endpoint, StringCache? cache, out string address, out int? port, out string? service, out string? scope)
    {
        port = null;
        service = null;
        scope = null;
        ReadOnlySpan<char> host;
        ReadOnlySpan<char> portText;
        var colon = endpoint.LastIndexOf(':');
        if (colon < 0)
        {
            host = endpoint;
            portText = default;
        }
        else
        {
            host = endpoint[..colon];
            portText = endpoint[(colon + 1)..];
        }

        // Interface scope: 127.0.0.53%lo, [fe80::1]%eth0, fe80::1%eth0.
        var percent = host.LastIndexOf('%');
        if (percent >= 0 && host[(percent + 1)..].IndexOfAny(']', ':') < 0)
        {
            scope = host[(percent + 1)..].ToString();
            host = host[..percent];
        }

        if (host.Length >= 2 && host[0] == '[' && host[^1] == ']')
        {
            host = host[1..^1];
        }

        if (host.IsEmpty && colon >= 0)
        {
            host = "*";
        }

        address = host switch
        {
            "*" => "*",
            "0.0.0.0" => "0.0.0.0",
            "::" => "::",
            "127.0.0.1" => "127.0.0.1",
            "::1" => "::1",
            _ => cache is null ? host.ToString() : cache.Get(host),
        };
        if (!portText.IsEmpty && portText is not "*")
        {
            if (TryInt(portText, out var p))
            {
                port = p;
            }
            else
            {
                service = portText.ToString();
            }
        }
    }
}

/// <summary>
/// A small direct-mapped cache of strings for one parse: words that repeat across lines (a host's own
/// address, a process name) are made into a string once instead of once per line. Not thread-safe;
/// a parser makes one per <c>Parse</c> call.
/// </summary>
internal sealed class StringCache
{
    private const int Slots = 64;
    private const int MaxLength = 64;
    private readonly string?[] _slots = new string?[Slots];

    /// <summary>The cached string equal to <paramref name="word"/>, or a new one (then cached).</summary>
    public string Get(ReadOnlySpan<char> word)
    {
        if (word.IsEmpty)
        {
            return string.Empty;
        }

        if (word.Length > MaxLength)
        {
            return word.ToString();
        }

        var slot = string.GetHashCode(word) & (Slots - 1);
        var cached = _slots[slot];
        if (cached is not null && word.SequenceEqual(cached))
        {
            return cached;
        }

        var made = word.ToString();
        _slots[slot] = made;
        return made;
    }
}
