using RunEscape.Parsing;

namespace RunEscape.Parsers.Network;

/// <summary>
/// Reads <c>ss</c> socket lists (iproute2): <c>-tanp</c>, <c>-tulpn</c>, <c>-a</c>, <c>-e</c>, with or
/// without the Netid column. One <see cref="SsSocket"/> per socket line.
/// </summary>
/// <remarks>
/// Lines are split on blanks (ss never prints a blank inside an address), so column widths and
/// wide output do not matter; the header only tells whether a Netid column comes first. Unix
/// sockets (<c>u_str</c>, …) print address and port as two words each. The process list
/// <c>users:(("name",pid=1,fd=3),…)</c> is read by its quotes and <c>,pid=</c>, so a program name with
/// spaces, colons, commas or parentheses stays whole. No regular expression runs per line.
/// </remarks>
public sealed class SsParser : IOutputParser
{
    public const string Iproute2Variant = "iproute2";

    private static readonly ParserInfo SharedInfo = new(
        "ss",
        "1.0.0",
        "ss socket lists (iproute2: -tanp, -tulpn, -a, -e): one SsSocket per socket, with the processes that hold it.",
        new[] { Iproute2Variant },
        typeof(SsSocket),
        new[] { typeof(SsSocket) });

    public ParserInfo Info => SharedInfo;

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _ = ParserText.ForcedVariant(context, Info);
        var records = new List<CapsuleRecord>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return records;
        }

        bool? hasNetid = null;
        var position = 0;
        var lineNumber = 0;
        var cache = new StringCache();
        var lineStart = position;
        while (NetText.NextLine(text, ref position, out var line))
        {
            var start = lineStart;
            lineStart = position;
            lineNumber++;
            var p = 0;
            if (!NetText.NextToken(line, ref p, out var first, out _))
            {
                continue;
            }

            if ((first is "Netid" || first is "State") && line.Contains("Recv-Q", StringComparison.Ordinal))
            {
                hasNetid = first is "Netid";
                continue;
            }

            // Without a header (-H): a lower-case first word is a Netid (tcp, udp, u_str), a state is upper case.
            var netid = hasNetid ?? char.IsAsciiLetterLower(first[0]);
            var socket = ReadSocket(line, netid, cache);
            if (socket is null)
            {
                context.Report(lineNumber, line.ToString(), "not an ss socket line");
                continue;
            }

            // The source line is cut from the text only when read; ss pads lines with blanks to the terminal width.
            socket.SetSource(text, start, line.TrimEnd().Length);
            records.Add(socket);
        }

        return records;
    }

    private static SsSocket? ReadSocket(ReadOnlySpan<char> line, bool netidColumn, StringCache cache)
    {
        var p = 0;
        string? netid = null;
        if (netidColumn)
        {
            if (!NetText.NextToken(line, ref p, out var n, out _))
            {
                return null;
            }

            netid = Intern(n);
        }

        if (!NetText.NextToken(line, ref p, out var state, out _)
            || !NetText.NextToken(line, ref p, out var recvText, out _)
            || !NetText.NextToken(line, ref p, out var sendText, out _)
            || !NetText.TryLong(recvText, out var recv)
            || !NetText.TryLong(sendText, out var send))
        {
            return null;
        }

        var unix = netid is not null && netid.StartsWith("u_", StringComparison.Ordinal);
        if (!ReadEndpoint(line, ref p, unix, cache, out var localAddress, out var localPort, out var localService, out var localScope)
            || !ReadEndpoint(line, ref p, unix, cache, out var peerAddress, out var peerPort, out var peerService, out var peerScope))
        {
            return null;
        }

        var socket = new SsSocket
        {
            Netid = netid,
            State = Intern(state),
            RecvQ = recv,
            SendQ = send,
            LocalAddress = localAddress,
            LocalPort = localPort,
            LocalService = localService,
            LocalInterface = localScope,
            PeerAddress = peerAddress,
            PeerPort = peerPort,
            PeerService = peerService,
            PeerInterface = peerScope,
            Variant = Iproute2Variant,
        };

        var rest = line[p..].Trim();
        if (rest.StartsWith("users:(", StringComparison.Ordinal))
        {
            if (!TryReadUsers(rest, cache, out var processes, out var consumed))
            {
                return null;
            }

            socket.Processes = processes.Count == 1 ? new[] { processes[0] } : processes.ToArray();
            if (processes.Count > 0)
            {
                socket.Program = processes[0].Name;
                socket.PID = processes[0].PID;
            }

            rest = rest[consumed..].Trim();
        }

        socket.Details = rest.IsEmpty ? null : rest.ToString();
        return socket;
    }

    /// <summary>The same string instance for the words every line repeats (netids, states, any-addresses).</summary>
    private static string Intern(ReadOnlySpan<char> word) => word switch
    {
        "tcp" => "tcp",
        "udp" => "udp",
        "u_str" => "u_str",
        "u_dgr" => "u_dgr",
        "u_seq" => "u_seq",
        "raw" => "raw",
        "nl" => "nl",
        "LISTEN" => "LISTEN",
        "ESTAB" => "ESTAB",
        "UNCONN" => "UNCONN",
        "TIME-WAIT" => "TIME-WAIT",
        "CLOSE-WAIT" => "CLOSE-WAIT",
        "SYN-SENT" => "SYN-SENT",
        "SYN-RECV" => "SYN-RECV",
        "FIN-WAIT-1" => "FIN-WAIT-1",
        "FIN-WAIT-2" => "FIN-WAIT-2",
        "LAST-ACK" => "LAST-ACK",
        "CLOSING" => "CLOSING",
        "*" => "*",
        "0.0.0.0" => "0.0.0.0",
        "::" => "::",
        "127.0.0.1" => "127.0.0.1",
        "::1" => "::1",
        _ => word.ToString(),
    };

    private static bool ReadEndpoint(ReadOnlySpan<char> line, ref int p, bool unix, StringCache cache, out string address, out int? port, out string? service, out string? scope)
    {
        address = string.Empty;
        port = null;
        service = null;
        scope = null;
        if (!NetText.NextToken(line, ref p, out var token, out _))
        {
            return false;
        }

        if (unix)
        {
            // "path inode" or "* inode": two words.
            address = token.ToString();
            if (!NetText.NextToken(line, ref p, out var inode, out _))
            {
                return false;
            }

            if (NetText.TryInt(inode, out var i))
            {
                port = i;
            }
            else if (inode is not "*")
            {
                service = inode.ToString();
            }

            return true;
        }

        if (token is "*")
        {
            address = "*";
            return true;
        }

        NetText.SplitEndpoint(token, cache, out address, out port, out service, out scope);
        return true;
    }

    [ThreadStatic]
    private static List<SocketProcess>? ProcessBuffer;

    /// <summary>Reads <c>users:(("a b",pid=1,fd=3),("c",pid=2,fd=4))</c>; <paramref name="consumed"/> is its length.</summary>
    internal static bool TryReadUsers(ReadOnlySpan<char> s, out List<SocketProcess> processes, out int consumed) =>
        TryReadUsers(s, null, out processes, out consumed);

    /// <summary>
    /// <see cref="TryReadUsers(ReadOnlySpan{char}, out List{SocketProcess}, out int)"/>, with each process name
    /// taken from <c>cache</c> when a recent process had the same name.
    /// </summary>
    internal static bool TryReadUsers(ReadOnlySpan<char> s, StringCache? cache, out List<SocketProcess> processes, out int consumed)
    {
        // One reused buffer per thread: the caller copies it into an exact-size array.
        processes = ProcessBuffer ??= new List<SocketProcess>(4);
        processes.Clear();
        consumed = 0;
        var i = "users:(".Length;
        while (i < s.Length)
        {
            if (s[i] == ')')
            {
                consumed = i + 1;
                return true;
            }

            if (s[i] == ',')
            {
                i++;
                continue;
            }

            if (s[i] != '(' || i + 1 >= s.Length || s[i + 1] != '"')
            {
                return false;
            }

            // The name ends at the quote followed by ",pid=" (the name itself may hold quotes or parentheses).
            var nameStart = i + 2;
            var end = s[nameStart..].IndexOf("\",pid=", StringComparison.Ordinal);
            if (end < 0)
            {
                return false;
            }

            var name = s.Slice(nameStart, end);
            var process = new SocketProcess { Name = cache is null ? name.ToString() : cache.Get(name) };
            i = nameStart + end + 2; // at "pid="
            while (i < s.Length && s[i] != ')')
            {
                var comma = s[i..].IndexOfAny(',', ')');
                if (comma < 0)
                {
                    return false;
                }

                var pair = s.Slice(i, comma);
                var eq = pair.IndexOf('=');
                if (eq > 0)
                {
                    var key = pair[..eq];
                    var value = pair[(eq + 1)..];
                    if (key is "pid" && NetText.TryInt(value, out var pid))
                    {
                        process.PID = pid;
                    }
                    else if (key is "fd" && NetText.TryInt(value, out var fd))
                    {
                        process.FD = fd;
                    }
                }

                i += comma;
                if (s[i] == ',')
                {
                    i++;
                }
            }

            if (i >= s.Length)
            {
                return false;
            }

            i++; // past this process's ')'
            processes.Add(process);
        }

        return false;
    }
}
