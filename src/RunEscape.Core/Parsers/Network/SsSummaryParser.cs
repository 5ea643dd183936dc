using RunEscape.Parsing;

namespace RunEscape.Parsers.Network;

/// <summary>
/// Reads <c>ss -s</c>: one <see cref="SsSummary"/> (the Total and TCP lines) and one
/// <see cref="SsTransportCount"/> per row of the transport table.
/// </summary>
public sealed class SsSummaryParser : IOutputParser
{
    private static readonly ParserInfo SharedInfo = new(
        "ss-summary",
        "1.0.0",
        "ss -s (iproute2): an SsSummary with the TCP state counts, then an SsTransportCount per transport row.",
        new[] { SsParser.Iproute2Variant },
        typeof(SsSummary),
        new[] { typeof(SsSummary), typeof(SsTransportCount) });

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

        SsSummary? summary = null;
        var inTable = false;
        var position = 0;
        var lineNumber = 0;
        while (NetText.NextLine(text, ref position, out var line))
        {
            lineNumber++;
            var t = line.Trim();
            if (t.IsEmpty)
            {
                continue;
            }

            if (t.StartsWith("Total:", StringComparison.Ordinal))
            {
                summary = new SsSummary { Variant = SsParser.Iproute2Variant, SourceLine = line.ToString() };
                summary.Total = FirstNumber(t["Total:".Length..]);
                records.Insert(0, summary);
                continue;
            }

            if (t.StartsWith("TCP:", StringComparison.Ordinal))
            {
                if (summary is null)
                {
                    summary = new SsSummary { Variant = SsParser.Iproute2Variant, SourceLine = line.ToString() };
                    records.Insert(0, summary);
                }
                else
                {
                    summary.SourceLine += "\n" + line.ToString();
                }

                ReadTcpLine(t["TCP:".Length..], summary);
                continue;
            }

            if (t.StartsWith("Transport", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }

            var p = 0;
            if (inTable
                && NetText.NextToken(t, ref p, out var name, out _)
                && NetText.NextToken(t, ref p, out var total, out _)
                && NetText.NextToken(t, ref p, out var ip4, out _)
                && NetText.NextToken(t, ref p, out var ip6, out _)
                && NetText.TryInt(total, out var totalValue)
                && NetText.TryInt(ip4, out var ip4Value)
                && NetText.TryInt(ip6, out var ip6Value))
            {
                records.Add(new SsTransportCount
                {
                    Transport = name.ToString(),
                    Total = totalValue,
                    IPv4 = ip4Value,
                    IPv6 = ip6Value,
                    Variant = SsParser.Iproute2Variant,
                    SourceLine = line.ToString(),
                });
                continue;
            }

            context.Report(lineNumber, line.ToString(), "not a line of ss -s");
        }

        return records;
    }

    /// <summary>" 3 (estab 0, closed 1, orphaned 0, timewait 0)" or older "6 (estab 2, …, timewait 0/0), ports 0".</summary>
    private static void ReadTcpLine(ReadOnlySpan<char> s, SsSummary summary)
    {
        summary.TcpTotal = FirstNumber(s);
        var open = s.IndexOf('(');
        var close = s.IndexOf(')');
        if (open < 0 || close < open)
        {
            return;
        }

        var inner = s[(open + 1)..close];
        foreach (var item in inner.ToString().Split(','))
        {
            var part = item.AsSpan().Trim();
            var space = part.IndexOf(' ');
            if (space < 0)
            {
                continue;
            }

            var value = FirstNumber(part[(space + 1)..]);
            switch (part[..space])
            {
                case "estab": summary.TcpEstablished = value; break;
                case "closed": summary.TcpClosed = value; break;
                case "orphaned": summary.TcpOrphaned = value; break;
                case "timewait": summary.TcpTimeWait = value; break;
            }
        }
    }

    private static int? FirstNumber(ReadOnlySpan<char> s)
    {
        s = s.TrimStart();
        var n = 0;
        while (n < s.Length && char.IsAsciiDigit(s[n]))
        {
            n++;
        }

        return NetText.IntOrNull(s[..n]);
    }
}
