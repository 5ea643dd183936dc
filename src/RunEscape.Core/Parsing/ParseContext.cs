namespace RunEscape.Parsing;

/// <summary>A line a parser could not read, with why.</summary>
public sealed class ParseIssue
{
    public ParseIssue(int lineNumber, string line, string message)
    {
        LineNumber = lineNumber;
        Line = line;
        Message = message;
    }

    /// <summary>1-based line number in the parsed text.</summary>
    public int LineNumber { get; }

    public string Line { get; }

    public string Message { get; }

    public override string ToString() => $"line {LineNumber}: {Clip(Message)}: {Clip(Line)}";

    /// <summary>
    /// A line quoted in a message, cut to <paramref name="max"/> characters: an error about
    /// binary garbage or a 100 KB line should stay readable (the whole line is in <see cref="Line"/>).
    /// </summary>
    public static string Clip(string text, int max = 200)
    {
        if (text.Length <= max)
        {
            return text;
        }

        // Never cut between the two halves of a surrogate pair.
        var keep = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return string.Concat(text.AsSpan(0, keep), $"… ({text.Length} characters)");
    }
}

/// <summary>Collects what a parser could not read; the caller decides how to report it.</summary>
public sealed class ParseContext
{
    private readonly List<ParseIssue> _issues = new();

    /// <summary>Output variant forced by the caller (e.g. "busybox"); null means detect.</summary>
    public string? Variant { get; init; }

    public IReadOnlyList<ParseIssue> Issues => _issues;

    /// <summary>
    /// Records a parser makes at the most. Line-based parsers make at most one a line, and the line
    /// cap bounds them; a parser that can make many records of one line (JSON) stops here.
    /// </summary>
    public long MaxRecords { get; init; } = long.MaxValue;

    /// <summary>Set by a parser that stopped at <see cref="MaxRecords"/>.</summary>
    public bool RecordLimitReached { get; set; }

    public void Report(int lineNumber, string line, string message) => _issues.Add(new ParseIssue(lineNumber, line, message));
}
