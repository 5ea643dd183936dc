using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>Reads <c>/proc/loadavg</c> (<c>0.82 1.09 0.94 10/295 156</c>) into one <see cref="LoadAverage"/> per line.</summary>
public sealed class LoadAverageParser : IOutputParser
{
    public const string ProcVariant = "proc";

    private static readonly ParserInfo SharedInfo = new(
        "loadavg",
        "1.0.0",
        "/proc/loadavg: a LoadAverage with the three load averages, runnable/total tasks and the last PID.",
        new[] { ProcVariant },
        typeof(LoadAverage),
        new[] { typeof(LoadAverage) });

    public ParserInfo Info => SharedInfo;

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var variant = ParserText.ForcedVariant(context, Info) ?? ProcVariant;
        var records = new List<CapsuleRecord>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return records;
        }

        var position = 0;
        var lineNumber = 0;
        while (true)
        {
            var lineStart = position;
            if (!ParserText.NextLine(text, ref position, out var line))
            {
                break;
            }

            lineNumber++;
            if (line.IsWhiteSpace())
            {
                continue;
            }

            var tokens = ParserText.Tokens(line);
            var record = new LoadAverage { Variant = variant };
            if (tokens.Count == 5
                && Units.TryParseDouble(line[tokens[0].Start..tokens[0].End], out var l1) && l1 >= 0
                && Units.TryParseDouble(line[tokens[1].Start..tokens[1].End], out var l5) && l5 >= 0
                && Units.TryParseDouble(line[tokens[2].Start..tokens[2].End], out var l15) && l15 >= 0
                && TryTasks(line[tokens[3].Start..tokens[3].End], record)
                && ParserText.TryInt(line[tokens[4].Start..tokens[4].End], out var last) && last >= 0)
            {
                record.LoadAverage1 = l1;
                record.LoadAverage5 = l5;
                record.LoadAverage15 = l15;
                record.LastPID = last;
                record.SetSource(text, lineStart, line.Length);
                records.Add(record);
            }
            else
            {
                context.Report(lineNumber, line.ToString(), "not 'load1 load5 load15 runnable/total lastpid'");
            }
        }

        return records;
    }

    private static bool TryTasks(ReadOnlySpan<char> cell, LoadAverage record)
    {
        var slash = cell.IndexOf('/');
        if (slash <= 0 || !ParserText.TryInt(cell[..slash], out var runnable) || !ParserText.TryInt(cell[(slash + 1)..], out var total) || runnable < 0 || total < 0)
        {
            return false;
        }

        record.RunnableTasks = runnable;
        record.TotalTasks = total;
        return true;
    }
}
