using RunEscape.Parsing;

namespace RunEscape.Parsers.Network;

/// <summary>
/// Reads the Internet-socket tables of <c>netstat</c> (net-tools 2.x and BusyBox): <c>-tan</c>,
/// <c>-tanp</c>, <c>-tulpn</c>, <c>-aeep</c>. One <see cref="NetstatConnection"/> per socket row.
/// </summary>
/// <remarks>
/// <para>Rows are split on blanks (netstat pushes later columns right when an address is wider
/// than its column, so fixed positions would break). A row without a state (UDP) is recognised
/// because the word after the foreign address is not an upper-case state. The
/// <c>PID/Program name</c> cell is the rest of the row, so program names with spaces or colons stay
/// whole.</para>
/// <para>UNIX-domain sections (<c>Active UNIX domain sockets</c>) are skipped: this parser reads
/// Internet sockets only. The variant is <c>net-tools</c> when the header has a PID/Program column or
/// a protocol ends in 6 (BusyBox prints <c>tcp</c> for IPv6 sockets), <c>busybox</c> when an IPv6
/// address appears under a protocol without 6; otherwise net-tools.</para>
/// </remarks>
public sealed class NetstatParser : IOutputParser
{
    public const string NetToolsVariant = "net-tools";
    public const string BusyBoxVariant = "busybox";

    private static readonly ParserInfo SharedInfo = new(
        "netstat",
        "1.0.0",
        "netstat Internet sockets (net-tools, BusyBox): one NetstatConnection per row, with PID and program under -p.",
        new[] { NetToolsVariant, BusyBoxVariant },
        typeof(NetstatConnection),
        new[] { typeof(NetstatConnection) });

    public ParserInfo Info => SharedInfo;

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var forced = ParserText.ForcedVariant(context, Info);
        var records = new List<NetstatConnection>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return records;
        }

        var inInternet = false;
        var inOther = false;
        var hasUserInode = false;
        var hasProgram = false;
        var netTools = false;
        var busyBox = false;
        var position = 0;
        var lineNumber = 0;
        var lineStart = position;
        while (NetText.NextLine(text, ref position, out var line))
        {
            var start = lineStart;
            lineStart = position;
            lineNumber++;
            var t = line.Trim();
            if (t.IsEmpty)
            {
                continue;
            }

            var p = 0;
            NetText.NextToken(t, ref p, out var first, out _);
            if (first is "Proto")
            {
                if (!inOther)
                {
                    inInternet = true;
                    hasUserInode = t.Contains(" Inode", StringComparison.Ordinal);
                    hasProgram = t.Contains("PID/Program", StringComparison.Ordinal);
                    netTools |= hasProgram;
                }

                continue;
            }

            if (first is "unix" || inOther && !IsInternetProtocol(first))
            {
                continue; // a UNIX-domain row
            }

            if (!IsInternetProtocol(first) && !char.IsAsciiDigit(first[0]))
            {
                // A section title, in any language: "Active Internet connections (…)", "Aktive Internetverbindungen (…)",
                // "Active UNIX domain sockets (…)", "Aktive Sockets in der UNIX-Domäne (…)".
                if (t.Contains('(') || t.StartsWith("Activ", StringComparison.Ordinal) || t.StartsWith("Aktiv", StringComparison.Ordinal))
                {
                    inOther = t.Contains("UNIX", StringComparison.Ordinal);
                    inInternet = !inOther;
                    continue;
                }

                context.Report(lineNumber, line.ToString(), "not a netstat Internet socket row");
                continue;
            }

            if (inOther)
            {
                continue;
            }

            var row = inInternet ? ReadRow(line, hasUserInode, hasProgram) : null;
            if (row is null)
            {
                context.Report(lineNumber, line.ToString(), "not a netstat Internet socket row");
                continue;
            }

            if (row.Protocol.EndsWith('6'))
            {
                netTools = true;
            }
            else if (row.LocalAddress.Contains(':', StringComparison.Ordinal))
            {
                busyBox = true;
            }

            row.SetSource(text, start, line.Length); // cut from the text only when read
            records.Add(row);
        }

        var variant = forced ?? (netTools ? NetToolsVariant : busyBox ? BusyBoxVariant : NetToolsVariant);
        foreach (var r in records)
        {
            r.Variant = variant;
        }

        return records;
    }

    private static NetstatConnection? ReadRow(ReadOnlySpan<char> line, bool hasUserInode, bool hasProgram)
    {
        var p = 0;
        if (!NetText.NextToken(line, ref p, out var proto, out _)
            || !NetText.NextToken(line, ref p, out var recvText, out _)
            || !NetText.NextToken(line, ref p, out var sendText, out _)
            || !NetText.TryLong(recvText, out var recv)
            || !NetText.TryLong(sendText, out var send)
            || !NetText.NextToken(line, ref p, out var local, out _)
            || !NetText.NextToken(line, ref p, out var foreign, out _))
        {
            return null;
        }

        NetText.SplitEndpoint(local, out var localAddress, out var localPort, out var localService, out _);
        NetText.SplitEndpoint(foreign, out var foreignAddress, out var foreignPort, out var foreignService, out _);
        var row = new NetstatConnection
        {
            Protocol = proto.ToString(),
            RecvQ = recv,
            SendQ = send,
            LocalAddress = localAddress,
            LocalPort = localPort,
            LocalService = localService,
            ForeignAddress = foreignAddress,
            ForeignPort = foreignPort,
            ForeignService = foreignService,
        };

        var save = p;
        if (NetText.NextToken(line, ref p, out var word, out _) && IsState(word))
        {
            row.State = word.ToString();
        }
        else
        {
            p = save;
        }

        if (hasUserInode)
        {
            if (NetText.NextToken(line, ref p, out var user, out _))
            {
                row.User = user.ToString();
            }

            if (NetText.NextToken(line, ref p, out var inode, out _) && NetText.TryLong(inode, out var inodeValue))
            {
                row.Inode = inodeValue;
            }
        }

        var rest = line[p..].Trim();
        if (hasProgram && !rest.IsEmpty && rest is not "-")
        {
            var slash = rest.IndexOf('/');
            if (slash > 0 && NetText.TryInt(rest[..slash], out var pid))
            {
                row.PID = pid;
                row.Program = rest[(slash + 1)..].ToString();
            }
            else
            {
                return null;
            }
        }
        else if (!hasProgram && !rest.IsEmpty)
        {
            return null;
        }

        return row;
    }

    private static bool IsInternetProtocol(ReadOnlySpan<char> word) =>
        word.StartsWith("tcp", StringComparison.Ordinal) || word.StartsWith("udp", StringComparison.Ordinal)
        || word.StartsWith("raw", StringComparison.Ordinal) || word.StartsWith("sctp", StringComparison.Ordinal);

    /// <summary>An upper-case TCP state word (LISTEN, ESTABLISHED, TIME_WAIT, …) or a raw socket's number.</summary>
    private static bool IsState(ReadOnlySpan<char> word)
    {
        if (word.IsEmpty || word.Contains('/') || word is "-")
        {
            return false;
        }

        foreach (var c in word)
        {
            // Upper-case words, translated ones too (de_DE: VERBUNDEN, SCHLIESSEN).
            if (!(char.IsUpper(c) || c == '_' || c == '-' || char.IsAsciiDigit(c)))
            {
                return false;
            }
        }

        return true;
    }
}
