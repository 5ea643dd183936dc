using RunEscape.Parsing;

namespace RunEscape.Parsers.Network;

/// <summary>
/// Reads <c>ping</c> (BusyBox and iputils): a <see cref="PingSummary"/> from the statistics lines and a
/// <see cref="PingReply"/> per echo reply. Times are TimeSpans.
/// </summary>
public sealed class PingParser : IOutputParser
{
    public const string BusyBoxVariant = "busybox";
    public const string IputilsVariant = "iputils";

    private static readonly ParserInfo SharedInfo = new(
        "ping",
        "1.0.0",
        "ping (BusyBox, iputils): a PingSummary (sent, received, loss %, rtt min/avg/max as TimeSpan) and a PingReply per reply.",
        new[] { BusyBoxVariant, IputilsVariant },
        typeof(PingSummary),
        new[] { typeof(PingSummary), typeof(PingReply) });

    public ParserInfo Info => SharedInfo;

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var forced = ParserText.ForcedVariant(context, Info);
        var records = new List<CapsuleRecord>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return records;
        }

        var variant = forced
            ?? (text.Contains("icmp_seq=", StringComparison.Ordinal) || text.Contains("rtt min/", StringComparison.Ordinal)
                ? IputilsVariant
                : BusyBoxVariant);
        PingSummary? summary = null;
        string destination = string.Empty;
        string? address = null;
        var replies = new List<PingReply>();
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

            if (t.StartsWith("PING ", StringComparison.Ordinal))
            {
                // "PING 127.0.0.1 (127.0.0.1): 56 data bytes" / "PING localhost (127.0.0.1) 56(84) bytes of data."
                var p = 5;
                NetText.NextToken(t, ref p, out var host, out _);
                destination = host.ToString();
                var open = t.IndexOf('(');
                var close = t.IndexOf(')');
                address = open > 0 && close > open ? t[(open + 1)..close].ToString() : null;
                continue;
            }

            if (t.Contains(" bytes from ", StringComparison.Ordinal))
            {
                var reply = ReadReply(t, variant);
                if (reply is null)
                {
                    context.Report(lineNumber, line.ToString(), "not a ping reply line");
                    continue;
                }

                reply.SourceLine = line.ToString();
                replies.Add(reply);
                continue;
            }

            if (t.StartsWith("--- ", StringComparison.Ordinal))
            {
                summary = new PingSummary { Destination = destination, Address = address, Variant = variant, SourceLine = line.ToString() };
                continue;
            }

            if (summary is not null && t.Contains("packets transmitted", StringComparison.Ordinal))
            {
                // "3 packets transmitted, 3 packets received, 0% packet loss" / "3 packets transmitted, 3 received, 0% packet loss, time 2003ms"
                foreach (var part in t.ToString().Split(','))
                {
                    var item = part.AsSpan().Trim();
                    var space = item.IndexOf(' ');
                    if (space <= 0)
                    {
                        continue;
                    }

                    var number = item[..space];
                    var label = item[(space + 1)..];
                    if (label.StartsWith("packets transmitted", StringComparison.Ordinal) && NetText.TryInt(number, out var sent))
                    {
                        summary.Transmitted = sent;
                    }
                    else if ((label is "received" || label is "packets received") && NetText.TryInt(number, out var received))
                    {
                        summary.Received = received;
                    }
                    else if (label is "packet loss" && Units.TryParsePercent(number, out var loss))
                    {
                        summary.LossPercent = loss;
                    }
                }

                summary.SourceLine += "\n" + line.ToString();
                continue;
            }

            if (summary is not null && (t.StartsWith("round-trip ", StringComparison.Ordinal) || t.StartsWith("rtt ", StringComparison.Ordinal)))
            {
                // "round-trip min/avg/max = 0.064/0.229/0.356 ms" / "rtt min/avg/max/mdev = 0.045/0.050/0.056/0.004 ms"
                var eq = t.IndexOf('=');
                var values = eq > 0 ? t[(eq + 1)..].Trim() : default;
                var space = values.IndexOf(' ');
                if (space > 0)
                {
                    values = values[..space];
                }

                var parts = values.ToString().Split('/');
                summary.RoundTripMin = parts.Length > 0 && NetText.TryMilliseconds(parts[0], out var min) ? min : null;
                summary.RoundTripAvg = parts.Length > 1 && NetText.TryMilliseconds(parts[1], out var avg) ? avg : null;
                summary.RoundTripMax = parts.Length > 2 && NetText.TryMilliseconds(parts[2], out var max) ? max : null;
                summary.RoundTripMdev = parts.Length > 3 && NetText.TryMilliseconds(parts[3], out var mdev) ? mdev : null;
                summary.SourceLine += "\n" + line.ToString();
                continue;
            }

            context.Report(lineNumber, line.ToString(), "not a ping line");
        }

        if (summary is not null)
        {
            records.Add(summary);
        }

        records.AddRange(replies);
        return records;
    }

    private static PingReply? ReadReply(ReadOnlySpan<char> t, string variant)
    {
        // "64 bytes from 127.0.0.1: seq=0 ttl=64 time=0.356 ms" / "64 bytes from localhost (127.0.0.1): icmp_seq=1 ttl=64 time=0.045 ms"
        var p = 0;
        if (!NetText.NextToken(t, ref p, out var bytesText, out _) || !NetText.TryInt(bytesText, out var bytes))
        {
            return null;
        }

        var from = t.IndexOf(" bytes from ", StringComparison.Ordinal) + " bytes from ".Length;
        var colon = t[from..].IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var who = t.Slice(from, colon);
        var open = who.IndexOf('(');
        if (open >= 0 && who[^1] == ')')
        {
            who = who[(open + 1)..^1];
        }

        var reply = new PingReply { Bytes = bytes, Address = who.ToString(), Variant = variant };
        var seen = false;
        var rest = t[(from + colon + 2)..];
        p = 0;
        while (NetText.NextToken(rest, ref p, out var word, out _))
        {
            var eq = word.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }

            var key = word[..eq];
            var value = word[(eq + 1)..];
            if ((key is "seq" || key is "icmp_seq") && NetText.TryInt(value, out var seq))
            {
                reply.Sequence = seq;
                seen = true;
            }
            else if (key is "ttl")
            {
                reply.Ttl = NetText.IntOrNull(value);
            }
            else if (key is "time" && NetText.TryMilliseconds(value, out var time))
            {
                reply.Time = time;
            }
        }

        return seen ? reply : null;
    }
}

/// <summary>
/// Reads <c>getent ahosts &lt;name&gt;</c>: one <see cref="DnsAddress"/> per distinct address, in the
/// order printed, with the socket types listed for it. It resolves as the target's programs do
/// (its /etc/hosts, its resolv.conf, its network namespace).
/// </summary>
public sealed class GetentHostsParser : IOutputParser
{
    public const string GetentVariant = "getent";

    private static readonly ParserInfo SharedInfo = new(
        "getent-hosts",
        "1.0.0",
        "getent ahosts / hosts: one DnsAddress per distinct address with the canonical name.",
        new[] { GetentVariant },
        typeof(DnsAddress),
        new[] { typeof(DnsAddress) });

    public ParserInfo Info => SharedInfo;

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _ = ParserText.ForcedVariant(context, Info);
        var records = new List<DnsAddress>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return records;
        }

        string? name = null;
        var position = 0;
        var lineNumber = 0;
        while (NetText.NextLine(text, ref position, out var line))
        {
            lineNumber++;
            var p = 0;
            if (!NetText.NextToken(line, ref p, out var address, out _))
            {
                continue;
            }

            if (!System.Net.IPAddress.TryParse(address, out var ip))
            {
                context.Report(lineNumber, line.ToString(), "not an address line of getent");
                continue;
            }

            // ahosts: "address TYPE [name]"; hosts: "address name [aliases…]".
            string? type = null;
            if (NetText.NextToken(line, ref p, out var second, out _))
            {
                if (second is "STREAM" || second is "DGRAM" || second is "RAW")
                {
                    type = second.ToString();
                    if (NetText.NextToken(line, ref p, out var canonical, out _))
                    {
                        name ??= canonical.ToString();
                    }
                }
                else
                {
                    name ??= second.ToString();
                }
            }

            var text2 = address.ToString();
            var record = records.Find(r => r.Address == text2);
            if (record is null)
            {
                record = new DnsAddress
                {
                    Address = text2,
                    Family = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4",
                    SocketTypes = new List<string>(),
                    Variant = GetentVariant,
                    SourceLine = line.ToString(),
                };
                records.Add(record);
            }
            else
            {
                record.SourceLine += "\n" + line.ToString();
            }

            if (type is not null)
            {
                ((List<string>)record.SocketTypes).Add(type);
            }
        }

        foreach (var r in records)
        {
            r.Name = name;
        }

        return records;
    }
}

/// <summary>
/// Reads the line curl prints with RunEscape's <c>-w</c> format
/// (<c>status=… time_total=… time_connect=… time_starttransfer=… size=… remote_ip=… remote_port=… url=…</c>):
/// one <see cref="HttpProbe"/> per line.
/// </summary>
public sealed class CurlProbeParser : IOutputParser
{
    public const string CurlVariant = "curl";

    /// <summary>The <c>-w</c> argument the catalog gives curl; the url comes last because it is the only free text.</summary>
    public const string WriteOutFormat = "status=%{http_code} time_total=%{time_total} time_connect=%{time_connect} time_starttransfer=%{time_starttransfer} size=%{size_download} remote_ip=%{remote_ip} remote_port=%{remote_port} url=%{url_effective}\\n";

    private static readonly ParserInfo SharedInfo = new(
        "http-probe",
        "1.0.0",
        "curl -w status/time/size line: one HttpProbe (StatusCode, TimeTotal as TimeSpan, SizeBytes, Url).",
        new[] { CurlVariant },
        typeof(HttpProbe),
        new[] { typeof(HttpProbe) });

    public ParserInfo Info => SharedInfo;

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _ = ParserText.ForcedVariant(context, Info);
        var records = new List<HttpProbe>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return records;
        }

        NetText.ReadLines(text, context, records, ReadLine, "not a curl probe line (status=… time_total=… size=… url=…)");
        return records;
    }

    private static HttpProbe? ReadLine(ReadOnlySpan<char> line)
    {
        var probe = new HttpProbe { Variant = CurlVariant, SourceLine = line.ToString() };
        bool status = false, total = false, size = false, url = false;
        var p = 0;
        while (NetText.NextToken(line, ref p, out var word, out var start))
        {
            var eq = word.IndexOf('=');
            if (eq <= 0)
            {
                return null;
            }

            var key = word[..eq];
            var value = word[(eq + 1)..];
            switch (key)
            {
                case "status":
                    status = NetText.TryInt(value, out var code);
                    probe.StatusCode = code;
                    break;
                case "time_total":
                    total = NetText.TrySeconds(value, out var t);
                    probe.TimeTotal = t;
                    break;
                case "time_connect":
                    probe.TimeConnect = NetText.TrySeconds(value, out var c) ? c : null;
                    break;
                case "time_starttransfer":
                    probe.TimeStartTransfer = NetText.TrySeconds(value, out var s) ? s : null;
                    break;
                case "size":
                    size = NetText.TryLong(value, out var bytes);
                    probe.SizeBytes = bytes;
                    break;
                case "remote_ip":
                    probe.RemoteAddress = value.IsEmpty ? null : value.ToString();
                    break;
                case "remote_port":
                    probe.RemotePort = NetText.IntOrNull(value);
                    break;
                case "url":
                    probe.Url = line[(start + 4)..].TrimEnd().ToString();
                    url = true;
                    p = line.Length;
                    break;
            }
        }

        return status && total && size && url ? probe : null;
    }
}
