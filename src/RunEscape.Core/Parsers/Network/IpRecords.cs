using RunEscape.Parsing;

namespace RunEscape.Parsers.Network;

/// <summary>One address of an interface (<c>inet</c> or <c>inet6</c> line, or an <c>addr_info</c> entry of <c>ip -j</c>).</summary>
public sealed class IpAddressInfo
{
    /// <summary><c>inet</c> (IPv4) or <c>inet6</c> (IPv6).</summary>
    public string Family { get; set; } = string.Empty;

    public string Address { get; set; } = string.Empty;

    public int PrefixLength { get; set; }

    public string? Broadcast { get; set; }

    /// <summary><c>host</c>, <c>link</c>, <c>global</c>, …</summary>
    public string? Scope { get; set; }

    public string? Label { get; set; }

    public override string ToString() => $"{Address}/{PrefixLength}";
}

/// <summary>One network interface of <c>ip addr</c> or <c>ip link</c> (iproute2 JSON or text, BusyBox text).</summary>
public sealed class IpInterface : CapsuleRecord
{
    public int Index { get; set; }

    /// <summary>Interface name without the <c>@link</c> part (<c>eth0</c>).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>What follows <c>@</c> in the text (<c>if249</c>: the peer's index in another namespace), or the JSON <c>link</c>/<c>link_index</c>.</summary>
    public string? Link { get; set; }

    /// <summary>Flags (<c>LOOPBACK</c>, <c>UP</c>, <c>LOWER_UP</c>, …).</summary>
    public IReadOnlyList<string> Flags { get; set; } = Array.Empty<string>();

    public int? Mtu { get; set; }

    public string? Qdisc { get; set; }

    /// <summary>Operational state (<c>UP</c>, <c>DOWN</c>, <c>UNKNOWN</c>); null where not printed (BusyBox).</summary>
    public string? State { get; set; }

    public string? Group { get; set; }

    public int? TxQueueLength { get; set; }

    /// <summary>Link type: <c>ether</c>, <c>loopback</c>, …</summary>
    public string? LinkType { get; set; }

    /// <summary>Hardware address (<c>02:42:ac:11:00:03</c>).</summary>
    public string? MacAddress { get; set; }

    public string? Broadcast { get; set; }

    /// <summary>Addresses (empty for <c>ip link</c>).</summary>
    public IReadOnlyList<IpAddressInfo> Addresses { get; set; } = Array.Empty<IpAddressInfo>();

    /// <summary>The first IPv4 address without prefix, or null.</summary>
    public string? IPv4Address { get; set; }

    /// <summary>The first IPv6 address without prefix, or null.</summary>
    public string? IPv6Address { get; set; }

    /// <summary>Output variant: <c>iproute2-json</c>, <c>iproute2</c> (text) or <c>busybox</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}

/// <summary>One route of <c>ip route</c> (iproute2 JSON or text, BusyBox text).</summary>
public sealed class IpRoute : CapsuleRecord
{
    /// <summary>Route type when printed first (<c>local</c>, <c>broadcast</c>, <c>unreachable</c>, …); null for unicast.</summary>
    public string? Type { get; set; }

    /// <summary><c>default</c> or a prefix (<c>172.17.0.0/16</c>) or an address.</summary>
    public string Destination { get; set; } = string.Empty;

    public string? Gateway { get; set; }

    public string? Device { get; set; }

    /// <summary>Origin of the route: <c>kernel</c>, <c>dhcp</c>, <c>static</c>, …</summary>
    public string? Protocol { get; set; }

    public string? Scope { get; set; }

    /// <summary>Preferred source address (<c>src</c>).</summary>
    public string? PreferredSource { get; set; }

    public int? Metric { get; set; }

    /// <summary>Route flags (<c>linkdown</c>, <c>onlink</c>, …).</summary>
    public IReadOnlyList<string> Flags { get; set; } = Array.Empty<string>();

    /// <summary>Output variant: <c>iproute2-json</c>, <c>iproute2</c> (text) or <c>busybox</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}
