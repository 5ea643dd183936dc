using RunEscape.Parsers;
using RunEscape.Parsing;

namespace RunEscape.Tests.Parsers;

/// <summary>
/// A JSON array on one line is one line and any number of records, and one record may hold an
/// array of millions of values: the json parser reads at most the context's cap (-MaxOutputLines)
/// of values in all, nested ones included, which the line cap alone cannot do.
/// </summary>
public sealed class JsonRecordCapTests
{
    private static readonly GenericParsers.JsonParser Parser = new();

    [Fact]
    public void A_one_line_array_stops_at_the_record_cap_and_says_so()
    {
        var text = "[" + string.Join(",", Enumerable.Range(0, 10_000)) + "]\n";
        var context = new ParseContext { MaxRecords = 100 };

        var records = Parser.Parse(text, context).Cast<GenericRecord>().ToList();

        Assert.Equal(100, records.Count);
        Assert.True(context.RecordLimitReached);
        Assert.Equal(99L, records[^1]["Value"]);
        Assert.Empty(context.Issues);
    }

    [Fact]
    public void An_array_of_exactly_the_cap_in_values_is_whole_and_one_less_drops_the_record_it_cuts()
    {
        // Values: {a:1} 2, {a:[2,3]} 4, {a:{b:null}} 3 — nine in all.
        const string Text = "[{\"a\":1},{\"a\":[2,3]},{\"a\":{\"b\":null}}]";
        var cut = new ParseContext { MaxRecords = 8 };
        Assert.Equal(2, Parser.Parse(Text, cut).Count());
        Assert.True(cut.RecordLimitReached);

        var context = new ParseContext { MaxRecords = 9 };

        var records = Parser.Parse(Text, context).Cast<GenericRecord>().ToList();

        Assert.Equal(3, records.Count);
        Assert.False(context.RecordLimitReached);
        Assert.Equal("{\"a\":[2,3]}", records[1].SourceLine);
        Assert.Equal(new List<object?> { 2L, 3L }, records[1]["a"]);
        Assert.IsType<GenericRecord>(records[2]["a"]);
    }

    [Theory]
    [InlineData("{\"a\":[", "]}")]
    [InlineData("[[", "]]")]
    [InlineData("[1,2]\n[", "]\n")]
    public void An_array_nested_in_a_value_is_capped_too(string before, string after)
    {
        var text = before + string.Join(",", Enumerable.Repeat("0", 100_000)) + after;
        var context = new ParseContext { MaxRecords = 1000 };

        var records = Parser.Parse(text, context).ToList();

        Assert.True(context.RecordLimitReached);
        Assert.True(records.Count <= 1);
    }

    [Fact]
    public void Values_keep_their_JSON_types_and_records_their_raw_source()
    {
        var records = Parser.Parse("[ {\"n\": 42, \"big\": 9223372036854775808, \"f\": 1.5, \"s\": \"x\\u00e9\", \"t\": true, \"z\": null} , 7 ]", new ParseContext()).Cast<GenericRecord>().ToList();

        Assert.Equal(42L, records[0]["n"]);
        Assert.IsType<double>(records[0]["big"]);
        Assert.Equal(1.5, records[0]["f"]);
        Assert.Equal("xé", records[0]["s"]);
        Assert.Equal(true, records[0]["t"]);
        Assert.Null(records[0]["z"]);
        Assert.Equal("{\"n\": 42, \"big\": 9223372036854775808, \"f\": 1.5, \"s\": \"x\\u00e9\", \"t\": true, \"z\": null}", records[0].SourceLine);
        Assert.Equal(7L, records[1]["Value"]);
        Assert.Equal("7", records[1].SourceLine);
    }

    [Theory]
    [InlineData("[1,2]\n[3]\n", 2)]        // JSON Lines whose values are arrays: a record per line
    [InlineData("[1,2]\n{broken\n", 1)]    // a broken line after an array line: one issue, one record
    public void Text_that_is_not_one_array_is_read_as_JSON_Lines(string text, int expected)
    {
        var context = new ParseContext();

        var records = Parser.Parse(text, context).ToList();

        Assert.Equal(expected, records.Count);
        Assert.False(context.RecordLimitReached);
    }

    [Fact]
    public void An_unfinished_array_is_not_records_but_an_issue()
    {
        var context = new ParseContext();

        var records = Parser.Parse("[1,2,", context).ToList();

        Assert.Empty(records);
        Assert.Single(context.Issues);
    }
}
