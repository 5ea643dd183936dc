namespace RunEscape.Parsing;

/// <summary>
/// Reads one utility family's standard output into typed records.
/// Contract: culture-invariant; sizes in bytes, percentages as double, durations as TimeSpan;
/// a line it does not understand never throws — it is reported to <see cref="ParseContext"/>
/// and the rest still parses; empty input gives no records and no issue.
/// </summary>
public interface IOutputParser
{
    ParserInfo Info { get; }

    IEnumerable<CapsuleRecord> Parse(string text, ParseContext context);
}
