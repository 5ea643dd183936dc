using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using RunEscape.Parsing;
using Xunit;

namespace RunEscape.Tests.Parsers.Network;

/// <summary>
/// Fixture pairs of the network parsers: tests/fixtures/&lt;parser&gt;/&lt;variant&gt;__&lt;name&gt;.out and the
/// expected .json written from reading the text. The JSON names the parser's variant, the issue and
/// record counts, and records (by index) with every public property except Target and SourceLine.
/// </summary>
public class NetworkFixtureTests
{
    public static readonly string[] ParserNames = { "ss", "ss-summary", "netstat", "ip-addr", "ip-route", "lsof", "ping", "getent-hosts", "http-probe" };


    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var parser in ParserNames)
        {
            foreach (var name in Fixtures.List(parser, "*.out"))
            {
                data.Add(parser, name);
            }
        }

        return data;
    }

    public static TheoryData<string> Parsers()
    {
        var data = new TheoryData<string>();
        foreach (var p in ParserNames)
        {
            data.Add(p);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Parsers))]
    public void Every_declared_variant_has_a_fixture_pair(string parserName)
    {
        var parser = ParserRegistry.Get(parserName);
        var outs = Fixtures.List(parserName, "*.out");
        foreach (var variant in parser.Info.Variants)
        {
            Assert.Contains(outs, n => n.StartsWith(variant + "__", StringComparison.Ordinal));
        }

        foreach (var name in outs)
        {
            Assert.True(File.Exists(Fixtures.PathOf(parserName, Path.ChangeExtension(name, ".json"))), name + " has no .json");
        }
    }

    [Theory]
    [MemberData(nameof(Parsers))]
    public void No_data_gives_no_records_and_no_issues(string parserName)
    {
        foreach (var text in new[] { string.Empty, "   ", "\n\n", "\r\n \t\r\n" })
        {
            var context = new ParseContext();
            Assert.Empty(ParserRegistry.Get(parserName).Parse(text, context));
            Assert.Empty(context.Issues);
        }
    }

    [Theory]
    [MemberData(nameof(Parsers))]
    public void A_garbage_line_becomes_one_issue_and_the_rest_still_parses(string parserName)
    {
        var parser = ParserRegistry.Get(parserName);
        var name = Fixtures.List(parserName, "*.out").First(n => !n.Contains("json", StringComparison.Ordinal) && !File.ReadAllText(Fixtures.PathOf(parserName, n)).TrimStart().StartsWith('['));
        var text = Fixtures.ReadText(parserName, name);
        var clean = parser.Parse(text, new ParseContext()).Count();
        const string garbage = "%%% this line is garbage !!";
        var context = new ParseContext();
        var records = parser.Parse(text.TrimEnd('\n') + "\n" + garbage + "\n", context).ToList();
        var issue = Assert.Single(context.Issues);
        Assert.Equal(garbage, issue.Line);
        Assert.Equal(clean, records.Count);
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Fixture_parses_to_the_expected_records(string parserName, string name)
    {
        var text = Fixtures.ReadText(parserName, name);
        using var expected = JsonDocument.Parse(Fixtures.ReadText(parserName, Path.ChangeExtension(name, ".json")));
        var root = expected.RootElement;
        var context = new ParseContext();
        var records = ParserRegistry.Get(parserName).Parse(text, context).ToList();

        Assert.True(root.GetProperty("issues").GetInt32() == context.Issues.Count, $"{name}: issues: " + string.Join(" | ", context.Issues));
        Assert.Equal(root.GetProperty("count").GetInt32(), records.Count);
        var variant = root.GetProperty("variant").GetString();
        Assert.StartsWith(variant + "__", name, StringComparison.Ordinal);
        foreach (var r in records)
        {
            Assert.Equal(variant, r.GetType().GetProperty("Variant")!.GetValue(r));
            Assert.False(string.IsNullOrEmpty(r.SourceLine), $"{name}: a record without its source line");
            if (!text.TrimStart().StartsWith('['))
            {
                foreach (var sourceLine in r.SourceLine!.Split('\n'))
                {
                    Assert.Contains(sourceLine, text, StringComparison.Ordinal);
                }
            }
        }

        foreach (var e in root.GetProperty("records").EnumerateArray())
        {
            var index = e.GetProperty("index").GetInt32();
            AssertMatches(e, records[index], $"{name} record {index}");
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Parsing_does_not_depend_on_the_current_culture(string parserName, string name)
    {
        var text = Fixtures.ReadText(parserName, name);
        var parser = ParserRegistry.Get(parserName);
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            var invariant = JsonSerializer.Serialize(parser.Parse(text, new ParseContext()).Cast<object>().ToList());
            foreach (var culture in new[] { "de-DE", "tr-TR", "fr-FR" })
            {
                CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
                Assert.Equal(invariant, JsonSerializer.Serialize(parser.Parse(text, new ParseContext()).Cast<object>().ToList()));
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    internal static void AssertMatches(JsonElement expected, object actual, string where)
    {
        if (expected.TryGetProperty("type", out var type))
        {
            Assert.Equal(type.GetString(), actual.GetType().Name);
        }

        foreach (var property in actual.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name is nameof(CapsuleRecord.Target) or nameof(CapsuleRecord.SourceLine))
            {
                continue;
            }

            Assert.True(expected.TryGetProperty(property.Name, out var e), $"{where}: expected JSON lacks {actual.GetType().Name}.{property.Name}");
            AssertValue(e, property.GetValue(actual), $"{where}: {property.Name}");
        }
    }

    private static void AssertValue(JsonElement e, object? value, string label) =>
        FixtureValues.AssertValue(e, value, label, AssertMatches);
}
