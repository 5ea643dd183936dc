using RunEscape.Parsers;
using RunEscape.Parsing;

namespace RunEscape.Tests.Parsers;

/// <summary>
/// A JSON array on one line is one line and any number of records: the json parser stops at the
/// context's record cap (-MaxOutputLines), which the line cap alone cannot do.
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
    public void An_array_of_exactly_the_cap_is_whole()
    {
        var context = new ParseContext { MaxRecords = 3 };

        var records = Parser.Parse("[{\"a\":1},{\"a\":[2,3]},{\"a\":{\"b\":null}}]", context).Cast<GenericRecord>().ToList();

        Assert.Equal(3, records.Count);
        Assert.False(context.RecordLimitReached);
        Assert.Equal("{\"a\":[2,3]}", records[1].SourceLine);
        Assert.Equal(new List<object?> { 2L, 3L }, records[1]["a"]);
        Assert.IsType<GenericRecord>(records[2]["a"]);
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
