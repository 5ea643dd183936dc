using RunEscape.Parsing;

namespace RunEscape.Parsers.Network;

/// <summary>A process that holds a socket, as <c>ss -p</c> prints it in <c>users:(("name",pid=1,fd=3))</c>.</summary>
public sealed class SocketProcess
{
    /// <summary>The program name (the kernel's comm, at most 15 characters; may hold spaces, colons, parentheses).</summary>
    public string Name { get; set; } = string.Empty;

    public int PID { get; set; }

    /// <summary>File descriptor number, when printed.</summary>
    public int? FD { get; set; }

    public override string ToString() => $"{Name}({PID})";
}

/// <summary>One socket of <c>ss</c> (iproute2): <c>-tanp</c>, <c>-tulpn</c>, <c>-a</c>, with or without <c>-e</c>.</summary>
public sealed class SsSocket : CapsuleRecord
{
    /// <summary>Socket type column (<c>tcp</c>, <c>udp</c>, <c>u_str</c>, …); null when the output has no Netid column (e.g. <c>ss -t</c>).</summary>
    public string? Netid { get; set; }

    /// <summary>Socket state as printed (<c>LISTEN</c>, <c>ESTAB</c>, <c>UNCONN</c>, …).</summary>
    public string State { get; set; } = string.Empty;

    /// <summary>Recv-Q: bytes queued for reading, or, for a listener, the current accept backlog.</summary>
    public long RecvQ { get; set; }

    /// <summary>Send-Q: bytes not yet acknowledged, or, for a listener, the maximum backlog.</summary>
    public long SendQ { get; set; }

    /// <summary>Local address without brackets or port: <c>0.0.0.0</c>, <c>::</c>, <c>*</c> (any), a name without -n.</summary>
    public string LocalAddress { get; set; } = string.Empty;

    /// <summary>Local port; null for <c>*</c> or a service name.</summary>
    public int? LocalPort { get; set; }

    /// <summary>Interface the local address is scoped to (<c>lo</c> in <c>127.0.0.53%lo:53</c>).</summary>
    public string? LocalInterface { get; set; }

    public string PeerAddress { get; set; } = string.Empty;

    /// <summary>Peer port; null for <c>*</c> or a service name.</summary>
    public int? PeerPort { get; set; }

    public string? PeerInterface { get; set; }

    /// <summary>Service name printed instead of a local port number (without -n), e.g. <c>ssh</c>.</summary>
    public string? LocalService { get; set; }

    /// <summary>Service name printed instead of a peer port number.</summary>
    public string? PeerService { get; set; }

    /// <summary>Name of the first process holding the socket (null without -p or when none is visible).</summary>
    public string? Program { get; set; }

    /// <summary>PID of the first process holding the socket.</summary>
    public int? PID { get; set; }

    /// <summary>Every process holding the socket, in the order printed.</summary>
    public IReadOnlyList<SocketProcess> Processes { get; set; } = Array.Empty<SocketProcess>();

    /// <summary>Whatever follows the endpoints and the process list (<c>-e</c>: <c>uid:</c>, <c>ino:</c>, <c>sk:</c>, …), trimmed; null when nothing.</summary>
    public string? Details { get; set; }

    /// <summary>Output variant: <c>iproute2</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}

/// <summary>The totals at the top of <c>ss -s</c>.</summary>
public sealed class SsSummary : CapsuleRecord
{
    /// <summary>"Total:" — all sockets the kernel counts.</summary>
    public int? Total { get; set; }

    public int? TcpTotal { get; set; }

    public int? TcpEstablished { get; set; }

    public int? TcpClosed { get; set; }

    public int? TcpOrphaned { get; set; }

    public int? TcpTimeWait { get; set; }

    /// <summary>Output variant: <c>iproute2</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}

/// <summary>One row of the transport table of <c>ss -s</c> (RAW, UDP, TCP, INET, FRAG).</summary>
public sealed class SsTransportCount : CapsuleRecord
{
    public string Transport { get; set; } = string.Empty;

    public int Total { get; set; }

    /// <summary>The "IP" column: IPv4 sockets.</summary>
    public int IPv4 { get; set; }

    public int IPv6 { get; set; }

    /// <summary>Output variant: <c>iproute2</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}

/// <summary>One Internet socket of <c>netstat</c> (net-tools or BusyBox): <c>-tan</c>, <c>-tanp</c>, <c>-tulpn</c>, <c>-aeep</c>.</summary>
public sealed class NetstatConnection : CapsuleRecord
{
    /// <summary>Protocol as printed: <c>tcp</c>, <c>tcp6</c>, <c>udp</c>, <c>udp6</c>, <c>raw6</c> (BusyBox prints <c>tcp</c> for IPv6 sockets too).</summary>
    public string Protocol { get; set; } = string.Empty;

    public long RecvQ { get; set; }

    public long SendQ { get; set; }

    /// <summary>Local address as printed (netstat may cut long host names), without the port: <c>0.0.0.0</c>, <c>::</c>.</summary>
    public string LocalAddress { get; set; } = string.Empty;

    /// <summary>Local port; null for <c>*</c> or a service name.</summary>
    public int? LocalPort { get; set; }

    /// <summary>Service name printed instead of the local port (without -n), e.g. <c>ssh</c>.</summary>
    public string? LocalService { get; set; }

    public string ForeignAddress { get; set; } = string.Empty;

    public int? ForeignPort { get; set; }

    public string? ForeignService { get; set; }

    /// <summary>State (<c>LISTEN</c>, <c>ESTABLISHED</c>, …); null when the row has none (UDP).</summary>
    public string? State { get; set; }

    /// <summary>User column of <c>-e</c>.</summary>
    public string? User { get; set; }

    /// <summary>Inode column of <c>-e</c>.</summary>
    public long? Inode { get; set; }

    /// <summary>PID from the <c>PID/Program name</c> column (<c>-p</c>); null for <c>-</c> or without -p.</summary>
    public int? PID { get; set; }

    /// <summary>Program name from the <c>PID/Program name</c> column; may hold spaces and colons.</summary>
    public string? Program { get; set; }

    /// <summary>Output variant: <c>net-tools</c> or <c>busybox</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}
