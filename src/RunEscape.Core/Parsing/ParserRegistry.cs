using RunEscape.Parsers;
using RunEscape.Parsers.Network;

namespace RunEscape.Parsing;

/// <summary>The parsers this build knows, by name.</summary>
public static class ParserRegistry
{
    private static readonly Dictionary<string, IOutputParser> Parsers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["top"] = new TopParser(),
        ["ps"] = new PsParser(),
        ["free"] = new FreeParser(),
        ["uptime"] = new UptimeParser(),
        ["vmstat"] = new VmstatParser(),
        ["meminfo"] = new MemInfoParser(),
        ["loadavg"] = new LoadAverageParser(),

        // network (part C)
        ["ss"] = new SsParser(),
        ["ss-summary"] = new SsSummaryParser(),
        ["netstat"] = new NetstatParser(),
        ["ip-addr"] = new IpAddrParser(),
        ["ip-route"] = new IpRouteParser(),
        ["lsof"] = new LsofParser(),
        ["ping"] = new PingParser(),
        ["getent-hosts"] = new GetentHostsParser(),
        ["http-probe"] = new CurlProbeParser(),

        // disk and environment (part B)
        ["df"] = new DfParser(),
        ["du"] = new DuParser(),
        ["mount"] = new MountParser(),
        ["env"] = new EnvParser(),
        ["ls"] = new LsParser(),
    };

    static ParserRegistry()
    {
        foreach (var generic in GenericParsers.All())
        {
            Parsers[generic.Info.Name] = generic;
        }
    }

    public static IReadOnlyCollection<IOutputParser> All => Parsers.Values;

    public static bool TryGet(string name, out IOutputParser parser) => Parsers.TryGetValue(name, out parser!);

    public static IOutputParser Get(string name) =>
        TryGet(name, out var parser)
            ? parser
            : throw new CapsuleException(CapsuleErrorKind.InvalidArgument, $"No parser named '{name}' is registered.", name, "Use a parser from Get-CapsuleCatalog.");
}
