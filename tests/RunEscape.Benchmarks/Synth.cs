using System.Globalization;
using System.Text;

namespace RunEscape.Benchmarks;

/// <summary>
/// Synthesises realistic utility output of a large host, deterministically (fixed seeds). Each method
/// returns the text exactly as the utility would print it; add one per utility (ss, netstat, …).
/// </summary>
public static class Synth
{
    private static readonly string[] Users = { "root", "www-data", "postgres", "nobody", "systemd+", "app", "1000", "messagebus" };

    private static readonly string[] Commands =
    {
        "/usr/lib/systemd/systemd --switched-root --system --deserialize 22",
        "nginx: worker process",
        "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;",
        "postgres: 14/main: checkpointer",
        "postgres: 14/main: app app 10.0.3.7(51234) idle",
        "/usr/bin/java -Xms2g -Xmx8g -XX:+UseG1GC -Dspring.profiles.active=prod -jar /opt/app/service.jar --server.port=8080",
        "/usr/bin/python3 -m gunicorn app.wsgi:application --workers 8 --bind 0.0.0.0:8000",
        "node /srv/app/dist/server.js",
        "sleep 100000",
        "/usr/sbin/sshd -D",
        "containerd-shim-runc-v2 -namespace moby -id 4f3c2a1b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d -address /run/containerd/containerd.sock",
        "[worker --queue=high prio] <defunct>",
        "md5sum /dev/zero",
        "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock",
        "redis-server *:6379",
    };

    private static readonly string[] KernelThreads = { "[kthreadd]", "[rcu_gp]", "[kworker/3:1-events]", "[ksoftirqd/0]", "[migration/1]", "[kworker/u16:2-flush-8:0]" };

    /// <summary><c>top -b -n 1 -c -w 512</c> of procps-ng 4 with <paramref name="processes"/> tasks.</summary>
    public static string Top(int processes)
    {
        var r = new Random(42);
        var sb = new StringBuilder(processes * 110);
        sb.Append("top - 15:35:41 up 2 days,  3:04,  1 user,  load average: 0.38, 0.37, 0.22\n");
        sb.Append(CultureInfo.InvariantCulture, $"Tasks: {processes,4} total,   2 running, {processes - 3,4} sleeping,   0 stopped,   1 zombie\n");
        sb.Append("%Cpu(s):  6.2 us,  0.0 sy,  0.0 ni, 93.8 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st\n");
        sb.Append("MiB Mem :  24105.1 total,  23572.7 free,    395.8 used,    386.7 buff/cache\n");
        sb.Append("MiB Swap:      0.0 total,      0.0 free,      0.0 used.  23709.4 avail Mem\n\n");
        sb.Append("    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n");
        for (var i = 0; i < processes; i++)
        {
            var kernel = r.Next(5) == 0;
            var pid = i + 1;
            var user = kernel ? "root" : Users[r.Next(Users.Length)];
            var pr = kernel && r.Next(4) == 0 ? "rt" : (20 - r.Next(3)).ToString(CultureInfo.InvariantCulture);
            var ni = kernel ? r.Next(2) * -20 : 0;
            string virt, res, shr;
            if (kernel)
            {
                virt = res = shr = "0";
            }
            else if (r.Next(6) == 0)
            {
                virt = (r.Next(10, 300) / 10.0).ToString("0.0", CultureInfo.InvariantCulture) + "g";
                res = (r.Next(10, 9000) / 10.0).ToString("0.0", CultureInfo.InvariantCulture) + "m";
                shr = r.Next(1000, 99999).ToString(CultureInfo.InvariantCulture);
            }
            else
            {
                virt = r.Next(2000, 9999999).ToString(CultureInfo.InvariantCulture);
                res = r.Next(500, 999999).ToString(CultureInfo.InvariantCulture);
                shr = r.Next(100, 99999).ToString(CultureInfo.InvariantCulture);
            }

            var cmd = kernel ? KernelThreads[r.Next(KernelThreads.Length)] : Commands[r.Next(Commands.Length)];
            var state = cmd.EndsWith("<defunct>", StringComparison.Ordinal) ? "Z" : kernel ? (r.Next(2) == 0 ? "I" : "S") : (r.Next(20) == 0 ? "R" : "S");
            var cpu = state == "R" ? r.Next(0, 1000) / 10.0 : 0.0;
            var mem = r.Next(0, 50) / 10.0;
            var minutes = r.Next(0, 3000);
            var time = string.Create(CultureInfo.InvariantCulture, $"{minutes}:{r.Next(60):00}.{r.Next(100):00}");
            sb.Append(CultureInfo.InvariantCulture, $"{pid,7} {user,-8} {pr,3} {ni,3} {virt,7} {res,6} {shr,6} {state} {cpu,5:0.0} {mem,5:0.0} {time,9} {cmd}\n");
        }

        return sb.ToString();
    }

    /// <summary><c>ps aux</c> of procps-ng 4 with <paramref name="processes"/> processes.</summary>
    public static string PsAux(int processes)
    {
        var r = new Random(7);
        var sb = new StringBuilder(processes * 120);
        sb.Append("USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n");
        for (var i = 0; i < processes; i++)
        {
            var kernel = r.Next(5) == 0;
            var pid = i + 1;
            var user = kernel ? "root" : Users[r.Next(Users.Length)];
            var cmd = kernel ? KernelThreads[r.Next(KernelThreads.Length)] : Commands[r.Next(Commands.Length)];
            var vsz = kernel ? 0 : r.Next(2000, 9999999);
            var rss = kernel ? 0 : r.Next(500, 999999);
            var tty = r.Next(10) == 0 ? "pts/" + r.Next(5).ToString(CultureInfo.InvariantCulture) : "?";
            var stat = cmd.EndsWith("<defunct>", StringComparison.Ordinal) ? "Z" : kernel ? (r.Next(2) == 0 ? "I<" : "S") : (r.Next(3) == 0 ? "Ss" : r.Next(2) == 0 ? "Sl" : "S");
            var start = r.Next(3) == 0 ? "Oct25" : string.Create(CultureInfo.InvariantCulture, $"{r.Next(24):00}:{r.Next(60):00}");
            var time = string.Create(CultureInfo.InvariantCulture, $"{r.Next(0, 600)}:{r.Next(60):00}");
            sb.Append(CultureInfo.InvariantCulture, $"{user,-8} {pid,7} {r.Next(0, 1000) / 10.0,4:0.0} {r.Next(0, 100) / 10.0,4:0.0} {vsz,6} {rss,5} {tty,-8} {stat,-4} {start,5} {time,6} {cmd}\n");
        }

        return sb.ToString();
    }

    private static readonly string[] SocketOwners =
    {
        "nginx: worker process", "nginx: worker", "nginx", "sshd", "postgres", "postgres: 14/main: app app", "java", "node", "redis-server", "dockerd",
        "gunicorn: worker [app.wsgi:application]", "envoy",
    };

    /// <summary>
    /// <c>ss -tanp</c> of iproute2 6 with <paramref name="sockets"/> TCP sockets: about 5 % LISTEN, 70 % ESTAB,
    /// the rest TIME-WAIT (no process) and CLOSE-WAIT; a third IPv6, half of those IPv4-mapped
    /// (<c>[::ffff:10.0.0.5]:443</c>); process names with blanks and colons; lines padded like ss pads them.
    /// </summary>
    public static string SsTanp(int sockets)
    {
        var r = new Random(11);
        var sb = new StringBuilder(sockets * 120);
        sb.Append("State      Recv-Q Send-Q                     Local Address:Port                      Peer Address:PortProcess                                                   \n");
        int[] listenPorts = { 22, 80, 443, 5432, 6379, 8080, 8443, 9090 };
        for (var i = 0; i < sockets; i++)
        {
            var roll = r.Next(100);
            var state = roll < 5 ? "LISTEN" : roll < 75 ? "ESTAB" : roll < 95 ? "TIME-WAIT" : "CLOSE-WAIT";
            var family = r.Next(3); // 0, 1: IPv4; 2: IPv6 (plain or IPv4-mapped)
            var mapped = family == 2 && r.Next(2) == 0;
            var port = listenPorts[r.Next(listenPorts.Length)];
            string local, peer;
            long recv = 0, send;
            if (state == "LISTEN")
            {
                local = family < 2 ? (r.Next(3) == 0 ? "127.0.0.1" : "0.0.0.0") + ":" + port.ToString(CultureInfo.InvariantCulture) : "[::]:" + port.ToString(CultureInfo.InvariantCulture);
                peer = family < 2 ? "0.0.0.0:*" : "[::]:*";
                send = r.Next(2) == 0 ? 511 : 4096;
                recv = r.Next(3);
            }
            else
            {
                var client = string.Create(CultureInfo.InvariantCulture, $"10.{r.Next(256)}.{r.Next(256)}.{r.Next(1, 255)}");
                var ephemeral = r.Next(32768, 60999).ToString(CultureInfo.InvariantCulture);
                var outgoing = r.Next(4) == 0; // this host is the client
                string localHost, peerHost;
                if (family < 2)
                {
                    localHost = "10.0.0.5";
                    peerHost = client;
                }
                else if (mapped)
                {
                    localHost = "[::ffff:10.0.0.5]";
                    peerHost = "[::ffff:" + client + "]";
                }
                else
                {
                    localHost = "[2001:db8::5]";
                    peerHost = string.Create(CultureInfo.InvariantCulture, $"[2001:db8:{r.Next(65536):x}::{r.Next(65536):x}]");
                }

                local = localHost + ":" + (outgoing ? ephemeral : port.ToString(CultureInfo.InvariantCulture));
                peer = peerHost + ":" + (outgoing ? port.ToString(CultureInfo.InvariantCulture) : ephemeral);
                send = state == "ESTAB" && r.Next(10) == 0 ? r.Next(1, 200000) : 0;
                recv = state != "TIME-WAIT" && r.Next(20) == 0 ? r.Next(1, 65536) : 0;
            }

            string users;
            if (state == "TIME-WAIT" || r.Next(25) == 0)
            {
                users = string.Empty; // no process holds it (or it belongs to another user without root)
            }
            else if (state == "LISTEN" && r.Next(2) == 0)
            {
                var master = r.Next(100, 4000);
                users = string.Create(CultureInfo.InvariantCulture, $"users:((\"nginx\",pid={master + 2},fd=6),(\"nginx\",pid={master + 1},fd=6),(\"nginx\",pid={master},fd=6))");
            }
            else
            {
                var owner = SocketOwners[r.Next(SocketOwners.Length)];
                users = string.Create(CultureInfo.InvariantCulture, $"users:((\"{owner}\",pid={r.Next(1, 4_000_000)},fd={r.Next(3, 2000)}))");
            }

            sb.Append(CultureInfo.InvariantCulture, $"{state,-10} {recv,-6} {send,-6} {local,38} {peer,38} {users}\n");
        }

        return sb.ToString();
    }
}
