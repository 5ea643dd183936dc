using RunEscape.Parsing;

namespace RunEscape.Parsers.Network;

/// <summary>One open file of <c>lsof</c> (default or <c>-n -P</c> output).</summary>
public sealed class LsofFile : CapsuleRecord
{
    /// <summary>Command name (lsof cuts it to 9 characters by default).</summary>
    public string Command { get; set; } = string.Empty;

    public int PID { get; set; }

    /// <summary>Thread id (TID column, when printed and not empty).</summary>
    public int? TID { get; set; }

    public string User { get; set; } = string.Empty;

    /// <summary>File descriptor as printed: <c>cwd</c>, <c>txt</c>, <c>mem</c>, <c>3u</c>, <c>NOFD</c>.</summary>
    public string FD { get; set; } = string.Empty;

    /// <summary><c>REG</c>, <c>DIR</c>, <c>CHR</c>, <c>FIFO</c>, <c>IPv4</c>, <c>IPv6</c>, <c>unix</c>, …</summary>
    public string? Type { get; set; }

    public string? Device { get; set; }

    /// <summary>File size in bytes (SIZE/OFF when it is a size).</summary>
    public long? Size { get; set; }

    /// <summary>File offset in bytes (SIZE/OFF printed as <c>0t…</c> decimal or <c>0x…</c> hex).</summary>
    public long? Offset { get; set; }

    /// <summary>Inode number, or the protocol (<c>TCP</c>, <c>UDP</c>) for a network file.</summary>
    public string? Node { get; set; }

    /// <summary>The NAME column as printed (path, or <c>*:8080 (LISTEN)</c> for a socket).</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary><c>TCP</c> or <c>UDP</c> for an Internet socket, else null.</summary>
    public string? Protocol { get; set; }

    public string? LocalAddress { get; set; }

    public int? LocalPort { get; set; }

    public string? RemoteAddress { get; set; }

    public int? RemotePort { get; set; }

    /// <summary>TCP state from the name (<c>LISTEN</c>, <c>ESTABLISHED</c>), else null.</summary>
    public string? State { get; set; }

    /// <summary>Output variant: <c>lsof</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}

/// <summary>The statistics of a <c>ping</c> run. Times are TimeSpans (exact to 100 ns; ping prints microseconds).</summary>
public sealed class PingSummary : CapsuleRecord
{
    /// <summary>The destination as given (<c>PING host (address)</c>).</summary>
    public string Destination { get; set; } = string.Empty;

    /// <summary>The address pinged.</summary>
    public string? Address { get; set; }

    public int Transmitted { get; set; }

    public int Received { get; set; }

    /// <summary>Packet loss in percent (0 to 100).</summary>
    public double LossPercent { get; set; }

    public TimeSpan? RoundTripMin { get; set; }

    public TimeSpan? RoundTripAvg { get; set; }

    public TimeSpan? RoundTripMax { get; set; }

    /// <summary>Mean deviation (iputils only).</summary>
    public TimeSpan? RoundTripMdev { get; set; }

    /// <summary>Output variant: <c>busybox</c> or <c>iputils</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}

/// <summary>One echo reply of <c>ping</c>.</summary>
public sealed class PingReply : CapsuleRecord
{
    /// <summary>Sequence number as printed (BusyBox counts from 0, iputils from 1).</summary>
    public int Sequence { get; set; }

    public string Address { get; set; } = string.Empty;

    /// <summary>Reply size in bytes.</summary>
    public int Bytes { get; set; }

    public int? Ttl { get; set; }

    /// <summary>Round-trip time.</summary>
    public TimeSpan? Time { get; set; }

    /// <summary>Output variant: <c>busybox</c> or <c>iputils</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}

/// <summary>One address a name resolves to (<c>getent ahosts</c>: the resolver the target's programs use, /etc/hosts included).</summary>
public sealed class DnsAddress : CapsuleRecord
{
    /// <summary>The canonical name getent printed on the first line (null when it printed none).</summary>
    public string? Name { get; set; }

    public string Address { get; set; } = string.Empty;

    /// <summary><c>IPv4</c> or <c>IPv6</c>.</summary>
    public string Family { get; set; } = string.Empty;

    /// <summary>Socket types listed for the address (<c>STREAM</c>, <c>DGRAM</c>, <c>RAW</c>).</summary>
    public IReadOnlyList<string> SocketTypes { get; set; } = Array.Empty<string>();

    /// <summary>Output variant: <c>getent</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}

/// <summary>The result of one HTTP request made by curl with RunEscape's <c>-w</c> format.</summary>
public sealed class HttpProbe : CapsuleRecord
{
    public string Url { get; set; } = string.Empty;

    /// <summary>HTTP status code (0 when no response came).</summary>
    public int StatusCode { get; set; }

    /// <summary>Whole request time.</summary>
    public TimeSpan TimeTotal { get; set; }

    /// <summary>Time until the TCP connection was made.</summary>
    public TimeSpan? TimeConnect { get; set; }

    /// <summary>Time until the first response byte.</summary>
    public TimeSpan? TimeStartTransfer { get; set; }

    /// <summary>Body bytes downloaded.</summary>
    public long SizeBytes { get; set; }

    /// <summary>The address curl connected to.</summary>
    public string? RemoteAddress { get; set; }

    public int? RemotePort { get; set; }

    /// <summary>Output variant: <c>curl</c>.</summary>
    public string Variant { get; set; } = string.Empty;
}
