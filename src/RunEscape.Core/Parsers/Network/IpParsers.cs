using System.Text.Json;
using RunEscape.Parsing;

namespace RunEscape.Parsers.Network;

/// <summary>Variant names of the ip parsers.</summary>
public static class IpVariants
{
    /// <summary><c>ip -j</c> (iproute2 4.14 and later).</summary>
    public const string Json = "iproute2-json";

    /// <summary>iproute2's text output.</summary>
    public const string Iproute2 = "iproute2";

    /// <summary>BusyBox ip's text output (no state, group or link-netnsid).</summary>
    public const string BusyBox = "busybox";

    /// <summary>Text route output, which iproute2 and BusyBox print alike.</summary>
    public const string Text = "text";

    internal static bool LooksLikeJson(string text)
    {
        var t = text.AsSpan().TrimStart();
        return !t.IsEmpty && t[0] == '[';
    }

    internal static List<JsonElement>? ReadJsonArray(string text, ParseContext context, out JsonDocument? document)
    {
        document = null;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            context.Report(1, text.Length > 200 ? text[..200] : text, "not valid ip -j JSON: " + ex.Message);
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            context.Report(1, document.RootElement.GetRawText(), "ip -j output is not a JSON array");
            return null;
        }

        return document.RootElement.EnumerateArray().ToList();
    }

    internal static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    internal static IReadOnlyList<string> Strings(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToArray()
            : Array.Empty<string>();
}

/// <summary>
/// Reads <c>ip addr</c> and <c>ip link</c>: iproute2's JSON (<c>ip -j</c>), iproute2's text and BusyBox's
/// text. One <see cref="IpInterface"/> per interface, with its addresses.
/// </summary>
public sealed class IpAddrParser : IOutputParser
{
    private static readonly ParserInfo SharedInfo = new(
        "ip-addr",
        "1.0.0",
        "ip addr / ip link (iproute2 -j JSON, iproute2 text, BusyBox text): one IpInterface per interface with its addresses.",
        new[] { IpVariants.Json, IpVariants.Iproute2, IpVariants.BusyBox },
        typeof(IpInterface),
        new[] { typeof(IpInterface) });

    public ParserInfo Info => SharedInfo;

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _ = ParserText.ForcedVariant(context, Info);
        var records = new List<IpInterface>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return records;
        }

        if (IpVariants.LooksLikeJson(text))
        {
            ReadJson(text, context, records);
            return records;
        }

        ReadText(text, context, records);
        return records;
    }

    private static void ReadJson(string text, ParseContext context, List<IpInterface> records)
    {
        var elements = IpVariants.ReadJsonArray(text, context, out var document);
        using (document)
        {
            if (elements is null)
            {
                return;
            }

            foreach (var e in elements)
            {
                if (e.ValueKind != JsonValueKind.Object || IpVariants.Int(e, "ifindex") is not int index || IpVariants.Str(e, "ifname") is not string name)
                {
                    context.Report(1, e.GetRawText(), "not an interface object (ifindex, ifname)");
                    continue;
                }

                var link = IpVariants.Str(e, "link") ?? (IpVariants.Int(e, "link_index") is int li ? "if" + li.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
                var iface = new IpInterface
                {
                    Index = index,
                    Name = name,
                    Link = link,
                    Flags = IpVariants.Strings(e, "flags"),
                    Mtu = IpVariants.Int(e, "mtu"),
                    Qdisc = IpVariants.Str(e, "qdisc"),
                    State = IpVariants.Str(e, "operstate"),
                    Group = IpVariants.Str(e, "group"),
                    TxQueueLength = IpVariants.Int(e, "txqlen"),
                    LinkType = IpVariants.Str(e, "link_type"),
                    MacAddress = IpVariants.Str(e, "address"),
                    Broadcast = IpVariants.Str(e, "broadcast"),
                    Variant = IpVariants.Json,
                    SourceLine = e.GetRawText(),
                };

                var addresses = new List<IpAddressInfo>();
                if (e.TryGetProperty("addr_info", out var infos) && infos.ValueKind == JsonValueKind.Array)
                {
                    foreach (var a in infos.EnumerateArray())
                    {
                        if (IpVariants.Str(a, "local") is not string local)
                        {
                            continue;
                        }

                        addresses.Add(new IpAddressInfo
                        {
                            Family = IpVariants.Str(a, "family") ?? string.Empty,
                            Address = local,
                            PrefixLength = IpVariants.Int(a, "prefixlen") ?? 0,
                            Broadcast = IpVariants.Str(a, "broadcast"),
                            Scope = IpVariants.Str(a, "scope"),
                            Label = IpVariants.Str(a, "label"),
                        });
                    }
                }

                Finish(iface, addresses);
                records.Add(iface);
            }
        }
    }

    private static void Finish(IpInterface iface, List<IpAddressInfo> addresses)
    {
        iface.Addresses = addresses;
        iface.IPv4Address = addresses.FirstOrDefault(a => a.Family == "inet")?.Address;
        iface.IPv6Address = addresses.FirstOrDefault(a => a.Family == "inet6")?.Address;
    }

    private static void ReadText(string text, ParseContext context, List<IpInterface> records)
    {
        IpInterface? current = null;
        List<IpAddressInfo>? addresses = null;
        var position = 0;
        var lineNumber = 0;
        while (NetText.NextLine(text, ref position, out var line))
        {
            lineNumber++;
            if (line.Trim().IsEmpty)
            {
                continue;
            }

            if (!NetText.IsBlank(line[0]))
            {
                if (current is not null)
                {
                    Finish(current, addresses!);
                }

                current = ReadHeader(line);
                addresses = new List<IpAddressInfo>();
                if (current is null)
                {
                    context.Report(lineNumber, line.ToString(), "not an interface line (index: name: <flags> …)");
                    continue;
                }

                records.Add(current);
                continue;
            }

            if (current is null)
            {
                context.Report(lineNumber, line.ToString(), "detail line before any interface");
                continue;
            }

            var p = 0;
            NetText.NextToken(line, ref p, out var key, out _);
            if (key.StartsWith("link/", StringComparison.Ordinal))
            {
                current.LinkType = key[5..].ToString();
                if (NetText.NextToken(line, ref p, out var mac, out _))
                {
                    current.MacAddress = mac.ToString();
                }

                while (NetText.NextToken(line, ref p, out var k, out _))
                {
                    if (k is "brd" && NetText.NextToken(line, ref p, out var brd, out _))
                    {
                        current.Broadcast = brd.ToString();
                    }
                }

                current.SourceLine += "\n" + line.ToString();
            }
            else if (key is "inet" || key is "inet6")
            {
                if (!NetText.NextToken(line, ref p, out var cidr, out _))
                {
                    context.Report(lineNumber, line.ToString(), "address line without an address");
                    continue;
                }

                var info = new IpAddressInfo { Family = key.ToString() };
                var slash = cidr.IndexOf('/');
                if (slash > 0 && NetText.TryInt(cidr[(slash + 1)..], out var prefix))
                {
                    info.Address = cidr[..slash].ToString();
                    info.PrefixLength = prefix;
                }
                else
                {
                    info.Address = cidr.ToString();
                    info.PrefixLength = key is "inet" ? 32 : 128;
                }

                string? lastWord = null;
                while (NetText.NextToken(line, ref p, out var k, out _))
                {
                    lastWord = null;
                    if ((k is "brd" || k is "scope" || k is "peer" || k is "metric") && NetText.NextToken(line, ref p, out var v, out _))
                    {
                        if (k is "brd")
                        {
                            info.Broadcast = v.ToString();
                        }
                        else if (k is "scope")
                        {
                            info.Scope = v.ToString();
                        }
                    }
                    else
                    {
                        lastWord = k.ToString();
                    }
                }

                // An IPv4 address line ends with its label (eth0, eth0:1); flags such as "dynamic" come before it.
                if (key is "inet" && lastWord is not null && lastWord != "noprefixroute" && lastWord != "dynamic" && lastWord != "secondary")
                {
                    info.Label = lastWord;
                }

                addresses!.Add(info);
                current.SourceLine += "\n" + line.ToString();
            }

            // valid_lft/preferred_lft, altname, link-netnsid continuation and other detail lines carry nothing we report.
        }

        if (current is not null)
        {
            Finish(current, addresses!);
        }
    }

    /// <summary>"248: eth0@if249: &lt;BROADCAST,UP&gt; mtu 1500 qdisc noqueue state UP group default qlen 1000".</summary>
    private static IpInterface? ReadHeader(ReadOnlySpan<char> line)
    {
        var colon = line.IndexOf(':');
        if (colon <= 0 || !NetText.TryInt(line[..colon].Trim(), out var index))
        {
            return null;
        }

        var rest = line[(colon + 1)..].TrimStart();
        var nameEnd = rest.IndexOf(": ", StringComparison.Ordinal);
        if (nameEnd <= 0)
        {
            return null;
        }

        var fullName = rest[..nameEnd];
        var iface = new IpInterface { Index = index, SourceLine = line.ToString(), Variant = IpVariants.BusyBox };
        var at = fullName.IndexOf('@');
        iface.Name = (at > 0 ? fullName[..at] : fullName).ToString();
        iface.Link = at > 0 ? fullName[(at + 1)..].ToString() : null;
        rest = rest[(nameEnd + 2)..];
        if (!rest.IsEmpty && rest[0] == '<')
        {
            var close = rest.IndexOf('>');
            if (close < 0)
            {
                return null;
            }

            var flags = rest[1..close];
            var list = new List<string>();
            foreach (var flag in flags.ToString().Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                list.Add(flag);
            }

            iface.Flags = list;
            rest = rest[(close + 1)..];
        }

        var p = 0;
        while (NetText.NextToken(rest, ref p, out var k, out _))
        {
            if (!NetText.NextToken(rest, ref p, out var v, out _))
            {
                break;
            }

            switch (k)
            {
                case "mtu": iface.Mtu = NetText.IntOrNull(v); break;
                case "qdisc": iface.Qdisc = v.ToString(); break;
                case "state": iface.State = v.ToString(); iface.Variant = IpVariants.Iproute2; break;
                case "group": iface.Group = v.ToString(); iface.Variant = IpVariants.Iproute2; break;
                case "qlen": iface.TxQueueLength = NetText.IntOrNull(v); break;
            }
        }

        return iface;
    }
}

/// <summary>
/// Reads <c>ip route</c>: iproute2's JSON (<c>ip -j route</c>) and the text form that iproute2 and BusyBox
/// print alike. One <see cref="IpRoute"/> per route.
/// </summary>
public sealed class IpRouteParser : IOutputParser
{
    private static readonly HashSet<string> RouteTypes = new(StringComparer.Ordinal)
    {
        "unicast", "local", "broadcast", "multicast", "throw", "unreachable", "prohibit", "blackhole", "nat", "anycast",
    };

    // Keys followed by one value that this record does not keep.
    private static readonly HashSet<string> OtherPairs = new(StringComparer.Ordinal)
    {
        "table", "pref", "expires", "mtu", "advmss", "realm", "realms", "rtt", "rttvar", "cwnd", "weight", "tos", "hoplimit", "initcwnd", "initrwnd", "quickack", "congctl", "features", "ssthresh", "reordering", "window", "lock", "nhid",
    };

    private static readonly ParserInfo SharedInfo = new(
        "ip-route",
        "1.0.0",
        "ip route (iproute2 -j JSON; text of iproute2 and BusyBox): one IpRoute per route.",
        new[] { IpVariants.Json, IpVariants.Text },
        typeof(IpRoute),
        new[] { typeof(IpRoute) });

    public ParserInfo Info => SharedInfo;

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _ = ParserText.ForcedVariant(context, Info);
        var records = new List<IpRoute>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return records;
        }

        if (IpVariants.LooksLikeJson(text))
        {
            var elements = IpVariants.ReadJsonArray(text, context, out var document);
            using (document)
            {
                foreach (var e in elements ?? new List<JsonElement>())
                {
                    if (e.ValueKind != JsonValueKind.Object || IpVariants.Str(e, "dst") is not string dst)
                    {
                        context.Report(1, e.GetRawText(), "not a route object (dst)");
                        continue;
                    }

                    records.Add(new IpRoute
                    {
                        Type = IpVariants.Str(e, "type"),
                        Destination = dst,
                        Gateway = IpVariants.Str(e, "gateway"),
                        Device = IpVariants.Str(e, "dev"),
                        Protocol = IpVariants.Str(e, "protocol"),
                        Scope = IpVariants.Str(e, "scope"),
                        PreferredSource = IpVariants.Str(e, "prefsrc"),
                        Metric = IpVariants.Int(e, "metric"),
                        Flags = IpVariants.Strings(e, "flags"),
                        Variant = IpVariants.Json,
                        SourceLine = e.GetRawText(),
                    });
                }
            }

            return records;
        }

        NetText.ReadLines(text, context, records, ReadLine, "not a route line");
        return records;
    }

    private static IpRoute? ReadLine(ReadOnlySpan<char> line)
    {
        if (NetText.IsBlank(line[0]))
        {
            return null; // nexthop continuation lines of multipath routes are not read
        }

        var p = 0;
        if (!NetText.NextToken(line, ref p, out var first, out _))
        {
            return null;
        }

        var route = new IpRoute { Variant = IpVariants.Text, SourceLine = line.ToString() };
        if (RouteTypes.Contains(first.ToString()))
        {
            route.Type = first.ToString();
            if (!NetText.NextToken(line, ref p, out first, out _))
            {
                return null;
            }
        }

        if (!(first is "default" || char.IsAsciiHexDigit(first[0]) || first[0] == ':'))
        {
            return null;
        }

        route.Destination = first.ToString();
        var flags = new List<string>();
        while (NetText.NextToken(line, ref p, out var k, out _))
        {
            var key = k.ToString();
            switch (key)
            {
                case "via" or "dev" or "proto" or "scope" or "src" or "metric":
                    if (!NetText.NextToken(line, ref p, out var v, out _))
                    {
                        return null;
                    }

                    switch (key)
                    {
                        case "via": route.Gateway = v.ToString(); break;
                        case "dev": route.Device = v.ToString(); break;
                        case "proto": route.Protocol = v.ToString(); break;
                        case "scope": route.Scope = v.ToString(); break;
                        case "src": route.PreferredSource = v.ToString(); break;
                        case "metric": route.Metric = NetText.IntOrNull(v); break;
                    }

                    break;
                default:
                    if (OtherPairs.Contains(key))
                    {
                        NetText.NextToken(line, ref p, out _, out _);
                    }
                    else
                    {
                        flags.Add(key);
                    }

                    break;
            }
        }

        route.Flags = flags;
        return route;
    }
}
