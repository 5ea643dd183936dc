using System.Reflection;
using RunEscape.Parsing;

namespace RunEscape.Tests.Parsers;

/// <summary>
/// The parser contract, enforced for every parser in <see cref="ParserRegistry.All"/>: metadata,
/// a docs page listing each record field with its type, a fixture pair for each declared variant,
/// and the no-data rule (empty input gives no records and no issues). A parser added to the
/// registry without any of these fails here.
/// </summary>
public class ParserContractTests
{
    private static readonly Lazy<string> RepoRoot = new(FindRepoRoot);

    public static TheoryData<string> ParserNames()
    {
        var data = new TheoryData<string>();
        foreach (var p in ParserRegistry.All.OrderBy(p => p.Info.Name, StringComparer.Ordinal))
        {
            data.Add(p.Info.Name);
        }

        return data;
    }

    [Fact]
    public void The_registry_holds_the_built_in_parsers()
    {
        var names = ParserRegistry.All.Select(p => p.Info.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var expected in new[] { "top", "ps", "free", "uptime", "vmstat", "meminfo", "loadavg" })
        {
            Assert.Contains(expected, names);
        }
    }

    [Theory]
    [MemberData(nameof(ParserNames))]
    public void Parser_has_metadata(string name)
    {
        var info = ParserRegistry.Get(name).Info;
        Assert.Equal(name, info.Name);
        Assert.Matches(@"^[a-z0-9][a-z0-9-]*$", info.Name);
        Assert.True(Version.TryParse(info.Version, out var version) && version.Major >= 1, $"{name}: version '{info.Version}' is not a version (major.minor.patch)");
        Assert.False(string.IsNullOrWhiteSpace(info.Description), $"{name}: no description");
        Assert.NotEmpty(info.Variants);
        Assert.All(info.Variants, v => Assert.Matches(@"^[a-z0-9][a-z0-9.-]*$", v));
        Assert.Equal(info.Variants.Count, info.Variants.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.NotEmpty(info.RecordTypes);
        Assert.Contains(info.PrimaryRecordType, info.RecordTypes);
        Assert.All(info.RecordTypes, t => Assert.True(typeof(CapsuleRecord).IsAssignableFrom(t), $"{name}: {t.Name} is not a CapsuleRecord"));
    }

    [Theory]
    [MemberData(nameof(ParserNames))]
    public void Parser_has_a_docs_page_listing_every_record_field_and_its_type(string name)
    {
        var info = ParserRegistry.Get(name).Info;
        var page = Path.Combine(RepoRoot.Value, "docs", "parsers", name + ".md");
        Assert.True(File.Exists(page), $"{name}: no docs page at docs/parsers/{name}.md");
        var lines = File.ReadAllLines(page);
        foreach (var v in info.Variants)
        {
            Assert.True(lines.Any(l => l.Contains("`" + v + "`", StringComparison.Ordinal)), $"docs/parsers/{name}.md does not name the variant `{v}`");
        }

        foreach (var type in info.RecordTypes)
        {
            Assert.True(lines.Any(l => l.StartsWith('#') && l.Contains(type.Name, StringComparison.Ordinal)), $"docs/parsers/{name}.md has no heading for {type.Name}");
            foreach (var property in FieldsOf(type))
            {
                var typeName = FriendlyName(property.PropertyType);
                var row = $"| `{property.Name}` | `{typeName}` |";
                Assert.True(
                    lines.Any(l => l.StartsWith(row, StringComparison.Ordinal)),
                    $"docs/parsers/{name}.md lacks the table row '{row}' for {type.Name}.{property.Name}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ParserNames))]
    public void Parser_has_a_fixture_pair_for_each_variant(string name)
    {
        var info = ParserRegistry.Get(name).Info;
        var folder = Path.Combine(Fixtures.Root, name);
        Assert.True(Directory.Exists(folder), $"{name}: no fixture folder tests/fixtures/{name}");
        foreach (var variant in info.Variants)
        {
            var outs = Fixtures.List(name, variant + "__*.out");
            Assert.True(outs.Count > 0, $"{name}: no fixture tests/fixtures/{name}/{variant}__*.out for variant '{variant}'");
            foreach (var o in outs)
            {
                Assert.True(File.Exists(Path.Combine(folder, Path.ChangeExtension(o, ".json"))), $"{name}: {o} has no expected .json");
            }
        }

        foreach (var o in Fixtures.List(name, "*.out"))
        {
            Assert.True(File.Exists(Path.Combine(folder, Path.ChangeExtension(o, ".json"))), $"{name}: {o} has no expected .json");
        }

        Assert.True(File.Exists(Path.Combine(folder, "SOURCES.md")), $"{name}: tests/fixtures/{name}/SOURCES.md does not say where the fixtures came from");
    }

    [Theory]
    [MemberData(nameof(ParserNames))]
    public void Parser_gives_nothing_for_no_data(string name)
    {
        var parser = ParserRegistry.Get(name);
        foreach (var empty in new[] { string.Empty, "\n", "  \n\n", "\r\n" })
        {
            var context = new ParseContext();
            Assert.Empty(parser.Parse(empty, context));
            Assert.Empty(context.Issues);
        }
    }

    [Theory]
    [MemberData(nameof(ParserNames))]
    public void Parser_reports_garbage_without_throwing(string name)
    {
        var parser = ParserRegistry.Get(name);
        var context = new ParseContext();
        if (parser.Info.AcceptsAnyLine)
        {
            // Opt-out for generic parsers with no notion of an unreadable line (lines, table): the
            // garbage is data. Given twice (a table reads the first as its header), it becomes a record.
            var taken = parser.Parse("\u0001garbage that no utility prints \u00ff\n\u0001garbage that no utility prints \u00ff\n", context).ToList();
            Assert.Empty(context.Issues);
            Assert.Contains(taken, r => r.SourceLine is not null && r.SourceLine.StartsWith("\u0001garbage", StringComparison.Ordinal));
            return;
        }

        var records = parser.Parse("\u0001garbage that no utility prints \u00ff\n", context).ToList();
        Assert.Empty(records);
        var issue = Assert.Single(context.Issues);
        Assert.Equal(1, issue.LineNumber);
        Assert.StartsWith("\u0001garbage", issue.Line, StringComparison.Ordinal);
    }

    [Fact]
    public void An_issue_about_a_huge_line_quotes_it_cut_short_and_keeps_it_whole()
    {
        // A table of binary garbage: a 100,000-character header and a row that does not fit it.
        var header = string.Join(" ", Enumerable.Range(0, 20_000).Select(i => "c" + i));
        var context = new ParseContext();
        _ = ParserRegistry.Get("table").Parse(header + "\n" + new string('\uFFFD', 100_000) + " x\n", context).ToList();

        var issue = Assert.Single(context.Issues);
        Assert.Equal(100_002, issue.Line.Length);
        Assert.True(issue.ToString().Length < 600, $"the issue's text is {issue.ToString().Length} characters");
        Assert.Contains("(100002 characters)", issue.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Clipping_never_splits_a_surrogate_pair()
    {
        var line = new string('a', 199) + "😀" + new string('b', 300);
        var clipped = ParseIssue.Clip(line);
        Assert.StartsWith(new string('a', 199) + "…", clipped, StringComparison.Ordinal);
        Assert.Equal(line, ParseIssue.Clip(line, line.Length));
    }

    [Theory]
    [MemberData(nameof(ParserNames))]
    public void Parser_refuses_an_unknown_variant(string name)
    {
        var ex = Assert.Throws<CapsuleException>(() => ParserRegistry.Get(name).Parse("x", new ParseContext { Variant = "no-such-variant" }).ToList());
        Assert.Equal(CapsuleErrorKind.InvalidArgument, ex.Kind);
    }

    /// <summary>The public instance properties a docs page must list (not Target and SourceLine, which every record has).</summary>
    internal static IEnumerable<PropertyInfo> FieldsOf(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name is not (nameof(CapsuleRecord.Target) or nameof(CapsuleRecord.SourceLine)));

    /// <summary>The type as the docs spell it: C# keywords, <c>?</c> for nullable values, generic arguments.</summary>
    internal static string FriendlyName(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return FriendlyName(underlying) + "?";
        }

        if (type.IsGenericType)
        {
            var bare = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
            return bare + "<" + string.Join(", ", type.GetGenericArguments().Select(FriendlyName)) + ">";
        }

        return type switch
        {
            _ when type == typeof(int) => "int",
            _ when type == typeof(long) => "long",
            _ when type == typeof(double) => "double",
            _ when type == typeof(bool) => "bool",
            _ when type == typeof(string) => "string",
            _ => type.Name,
        };
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "docs", "parsers")) && File.Exists(Path.Combine(dir.FullName, "RunEscape.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("repository root (RunEscape.sln with docs/parsers) not found from " + AppContext.BaseDirectory);
    }
}
