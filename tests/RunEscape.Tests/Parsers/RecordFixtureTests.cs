using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using RunEscape.Parsing;

namespace RunEscape.Tests.Parsers;

/// <summary>
/// Runs every fixture pair whose expected JSON uses the shared record format
/// (<c>"schema": "runescape-fixture/1"</c>): <c>variant</c> every record reports, optional
/// <c>context</c> (the variant string passed to the parser, e.g. <c>procps -b</c>), <c>count</c> of
/// records, <c>issues</c> count, and <c>records</c>: objects with the record <c>index</c>, its
/// <c>type</c> and the property values to check (TimeSpan as <c>[d.]hh:mm:ss</c>, DateTimeOffset and
/// DateTime as ISO 8601; <c>Entries</c> checks the listed keys of a dictionary, <c>EntryCount</c> its size).
/// The folder is the parser name, so any registered parser's fixtures in this format are run.
/// </summary>
public class RecordFixtureTests
{
    public const string Schema = "runescape-fixture/1";

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var parser in ParserRegistry.All.OrderBy(p => p.Info.Name, StringComparer.Ordinal))
        {
            var folder = Path.Combine(Fixtures.Root, parser.Info.Name);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            foreach (var json in Fixtures.List(parser.Info.Name, "*.json"))
            {
                using var doc = JsonDocument.Parse(Fixtures.ReadText(parser.Info.Name, json));
                if (doc.RootElement.TryGetProperty("schema", out var s) && s.GetString() == Schema)
                {
                    data.Add(parser.Info.Name, Path.ChangeExtension(json, ".out"));
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Fixture_parses_to_the_expected_records(string parserName, string name)
    {
        var parser = ParserRegistry.Get(parserName);
        var text = Fixtures.ReadText(parserName, name);
        using var expected = JsonDocument.Parse(Fixtures.ReadText(parserName, Path.ChangeExtension(name, ".json")));
        var root = expected.RootElement;
        var variant = root.TryGetProperty("context", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;

        var context = new ParseContext { Variant = variant };
        var records = parser.Parse(text, context).ToList();

        Assert.True(
            root.GetProperty("issues").GetInt32() == context.Issues.Count,
            $"{name}: expected {root.GetProperty("issues").GetInt32()} issues, got: " + string.Join(" | ", context.Issues));
        Assert.Equal(root.GetProperty("count").GetInt32(), records.Count);

        var expectedVariant = root.GetProperty("variant").GetString();
        foreach (var r in records)
        {
            Assert.Equal(expectedVariant, r.GetType().GetProperty("Variant")?.GetValue(r) as string);
            Assert.False(string.IsNullOrEmpty(r.SourceLine), $"{name}: a {r.GetType().Name} has no source line");
            Assert.Contains(r.SourceLine!.Split('\n')[0], text, StringComparison.Ordinal);
        }

        foreach (var e in root.GetProperty("records").EnumerateArray())
        {
            var index = e.GetProperty("index").GetInt32();
            Assert.True(index < records.Count, $"{name}: no record {index}");
            AssertMatches(e, records[index], $"{name} record {index}");
        }
    }

    /// <summary>Every property listed in the expected object equals the record's.</summary>
    internal static void AssertMatches(JsonElement expected, CapsuleRecord actual, string where)
    {
        Assert.Equal(expected.GetProperty("type").GetString(), actual.GetType().Name);
        foreach (var p in expected.EnumerateObject())
        {
            if (p.Name is "index" or "type")
            {
                continue;
            }

            if (p.Name == "EntryCount")
            {
                var dict = (ICollection)actual.GetType().GetProperty("Entries")!.GetValue(actual)!;
                Assert.True(p.Value.GetInt32() == dict.Count, $"{where}: expected {p.Value} entries, got {dict.Count}");
                continue;
            }

            var property = actual.GetType().GetProperty(p.Name, BindingFlags.Public | BindingFlags.Instance);
            Assert.True(property is not null, $"{where}: {actual.GetType().Name} has no property {p.Name}");
            var value = property!.GetValue(actual);
            var label = $"{where} {p.Name}";
            var e = p.Value;
            FixtureValues.AssertValue(e, value, label);
        }
    }
}
