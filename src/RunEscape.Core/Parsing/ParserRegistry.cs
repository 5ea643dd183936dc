using RunEscape.Parsers;

namespace RunEscape.Parsing;

/// <summary>The parsers this build knows, by name.</summary>
public static class ParserRegistry
{
    private static readonly Dictionary<string, IOutputParser> Parsers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["top"] = new TopParser(),
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
