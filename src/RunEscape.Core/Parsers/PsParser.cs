using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// Reads <c>ps</c> output of procps-ng (<c>aux</c>, <c>-ef</c>, any <c>-o</c> list) and BusyBox
/// (<c>PID USER COMMAND</c>, <c>PID USER TIME COMMAND</c>, <c>PID USER VSZ STAT COMMAND</c>, <c>-o</c>)
/// into one <see cref="PsProcess"/> per row.
/// </summary>
/// <remarks>
/// <para>The table is read by its header. Every column holds one blank-free token except the
/// command columns (COMMAND, CMD, ARGS) and STARTED (<c>lstart</c>), which may hold blanks. Columns
/// left of the first such column are read token by token from the left, columns right of the last
/// one token by token from the right, and what lies between belongs to the blank-holding column(s);
/// two of them (e.g. <c>comm</c> then <c>args</c>) are split where the second one's header starts.
/// So the command column need not be last, and unknown columns are skipped.</para>
/// <para>Variant: BusyBox left-aligns every header over right-aligned numbers, procps right-aligns
/// numeric headers; so when the first row's PID ends right of the PID header, the output is BusyBox.</para>
/// <para>Two COMMAND columns: procps heads both <c>comm</c> and <c>args</c> COMMAND; the first is taken
/// as the short name (<see cref="PsProcess.CommandName"/>), the second as the command line.</para>
/// </remarks>
public sealed class PsParser : IOutputParser
{
    public const string ProcpsVariant = "procps";
    public const string BusyBoxVariant = "busybox";

    private static readonly ParserInfo SharedInfo = new(
        "ps",
        "1.0.0",
        "ps output (procps-ng aux, -ef, -o in any column order; BusyBox ps and ps -o): a PsProcess per process.",
        new[] { ProcpsVariant, BusyBoxVariant },
        typeof(PsProcess),
        new[] { typeof(PsProcess) });

    public ParserInfo Info => SharedInfo;

    private enum Field
    {
        None,
        Pid,
        ParentPid,
        User,
        Cpu,
        Mem,
        Vsz,
        Rss,
        Tty,
        State,
        Start,
        Started,
        Elapsed,
        Time,
        Nice,
        Priority,
        Command,
        CommandName,
    }

    private readonly struct Column
    {
        public Column(Field field, int start, int end, bool spaced)
        {
            Field = field;
            Start = start;
            End = end;
            Spaced = spaced;
        }

        public Field Field { get; }

        public int Start { get; }

        public int End { get; }

        public bool Spaced { get; }
    }

    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var forced = ParserText.ForcedVariant(context, Info);
        if (string.IsNullOrWhiteSpace(text))
        {
            return Array.Empty<CapsuleRecord>();
        }

        var records = new List<CapsuleRecord>(text.AsSpan().Count('\n') + 1);
        var position = 0;
        var lineNumber = 0;
        Column[]? columns = null;
        string? headerText = null;
        int firstSpaced = -1, lastSpaced = -1;
        string? variant = forced;
        var users = new StringCache();
        var states = new StringCache();
        var ttys = new StringCache();
        var starts = new StringCache();
        var names = new StringCache(32);

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

            // The first line is the header; a later line is a header again only when it repeats it
            // exactly (concatenated outputs), so a command that mentions "PID" stays a row.
            if (columns is null || line.SequenceEqual(headerText))
            {
                if (!TryReadHeader(line, out columns, out firstSpaced, out lastSpaced))
                {
                    context.Report(lineNumber, line.ToString(), "not a ps header: no PID column");
                    columns = null;
                }
                else
                {
                    headerText = line.ToString();
                }

                continue;
            }

            variant ??= DetectVariant(line, columns);
            var p = new PsProcess { Variant = variant };
            if (!TryReadRow(line, columns, firstSpaced, lastSpaced, p, users, states, ttys, starts, names, out var why))
            {
                context.Report(lineNumber, line.ToString(), why);
                continue;
            }

            p.SetSource(text, lineStart, line.Length);
            records.Add(p);
        }

        return records;
    }

    private static bool TryReadHeader(ReadOnlySpan<char> line, out Column[]? columns, out int firstSpaced, out int lastSpaced)
    {
        columns = null;
        firstSpaced = lastSpaced = -1;
        var tokens = ParserText.Tokens(line);
        var result = new Column[tokens.Count];
        var hasPid = false;
        var commands = 0;
        for (var k = 0; k < tokens.Count; k++)
        {
            var (s, e) = tokens[k];
            var field = FieldOf(line[s..e]);
            hasPid |= field == Field.Pid;
            if (field == Field.Command)
            {
                commands++;
            }

            result[k] = new Column(field, s, e, field is Field.Command or Field.Started);
        }

        if (!hasPid)
        {
            return false;
        }

        if (commands >= 2)
        {
            // The first of two COMMAND columns is comm (short name), the later one the command line.
            var seen = 0;
            for (var k = 0; k < result.Length; k++)
            {
                if (result[k].Field == Field.Command && seen++ < commands - 1)
                {
                    result[k] = new Column(Field.CommandName, result[k].Start, result[k].End, true);
                }
            }
        }

        for (var k = 0; k < result.Length; k++)
        {
            if (result[k].Spaced)
            {
                if (firstSpaced < 0)
                {
                    firstSpaced = k;
                }

                lastSpaced = k;
            }
        }

        columns = result;
        return true;
    }

    private static Field FieldOf(ReadOnlySpan<char> name) => name switch
    {
        "PID" => Field.Pid,
        "PPID" => Field.ParentPid,
        "USER" or "UID" or "RUSER" or "EUSER" or "RUID" or "EUID" or "OWNER" => Field.User,
        "%CPU" or "C" or "CP" => Field.Cpu,
        "%MEM" => Field.Mem,
        "VSZ" or "VSIZE" or "VIRT" => Field.Vsz,
        "RSS" or "RSZ" => Field.Rss,
        "TTY" or "TT" => Field.Tty,
        "STAT" or "S" => Field.State,
        "START" or "STIME" => Field.Start,
        "STARTED" => Field.Started,
        "ELAPSED" => Field.Elapsed,
        "TIME" => Field.Time,
        "NI" => Field.Nice,
        "PRI" => Field.Priority,
        "COMMAND" or "CMD" or "ARGS" => Field.Command,
        _ => Field.None,
    };

    /// <summary>BusyBox when the first row's PID ends right of its (left-aligned) header.</summary>
    private static string DetectVariant(ReadOnlySpan<char> row, Column[] columns)
    {
        // BusyBox without DESKTOP prints a fixed layout with a right-aligned PID header: "  PID USER       VSZ STAT COMMAND".
        if (columns.Length == 5 && columns[0].Field == Field.Pid && columns[1].Field == Field.User && columns[2].Field == Field.Vsz
            && columns[3].Field == Field.State && columns[4].Field == Field.Command && columns[0].End == 5)
        {
            return BusyBoxVariant;
        }

        foreach (var c in columns)
        {
            if (c.Field != Field.Pid)
            {
                continue;
            }

            var i = c.Start;
            if (i < row.Length)
            {
                // The PID cell touching or overlapping the header.
                var s = i;
                while (s > 0 && !ParserText.IsBlank(row[s - 1]))
                {
                    s--;
                }

                var start = ParserText.SkipBlanks(row, s);
                var end = ParserText.TokenEnd(row, start);
                return end > c.End ? BusyBoxVariant : ProcpsVariant;
            }
        }

        return ProcpsVariant;
    }

    private static bool TryReadRow(
        ReadOnlySpan<char> line,
        Column[] columns,
        int firstSpaced,
        int lastSpaced,
        PsProcess p,
        StringCache users,
        StringCache states,
        StringCache ttys,
        StringCache starts,
        StringCache names,
        out string why)
    {
        why = string.Empty;
        var n = columns.Length;
        var leftCount = firstSpaced < 0 ? n : firstSpaced;

        // Left columns, token by token.
        var i = ParserText.SkipBlanks(line, 0);
        for (var k = 0; k < leftCount; k++)
        {
            if (i >= line.Length)
            {
                // Without a blank-holding column a short row simply lacks its last cells.
                if (firstSpaced < 0 && k > 0)
                {
                    break;
                }

                why = "row has fewer cells than the header";
                return false;
            }

            var end = ParserText.TokenEnd(line, i);
            if (!Store(columns[k].Field, line[i..end], p, users, states, ttys, starts, names, out why))
            {
                return false;
            }

            i = ParserText.SkipBlanks(line, end);
        }

        if (firstSpaced >= 0)
        {
            // Right columns, token by token from the end.
            var j = line.Length;
            while (j > i && ParserText.IsBlank(line[j - 1]))
            {
                j--;
            }

            for (var k = n - 1; k > lastSpaced; k--)
            {
                var start = j;
                while (start > i && !ParserText.IsBlank(line[start - 1]))
                {
                    start--;
                }

                if (start == j)
                {
                    why = "row has fewer cells than the header";
                    return false;
                }

                if (!Store(columns[k].Field, line[start..j], p, users, states, ttys, starts, names, out why))
                {
                    return false;
                }

                j = start;
                while (j > i && ParserText.IsBlank(line[j - 1]))
                {
                    j--;
                }
            }

            // The middle: one blank-holding column, or several split by header positions.
            var middle = line[i..j];
            if (firstSpaced == lastSpaced)
            {
                if (!Store(columns[firstSpaced].Field, middle, p, users, states, ttys, starts, names, out why))
                {
                    return false;
                }
            }
            else
            {
                var from = i;
                for (var k = firstSpaced; k <= lastSpaced; k++)
                {
                    var to = j;
                    if (k < lastSpaced)
                    {
                        to = Math.Clamp(BoundaryBefore(line, columns[k + 1], from), from, j);
                    }

                    var cell = line[from..to].Trim();
                    if (!(cell.IsEmpty && !columns[k].Spaced)
                        && !Store(columns[k].Field, cell, p, users, states, ttys, starts, names, out why))
                    {
                        return false;
                    }

                    from = ParserText.SkipBlanks(line, to);
                }
            }
        }

        return true;
    }

    /// <summary>Where the cell of <paramref name="next"/> begins: its header start when left-aligned, else the start of the token ending at its header end.</summary>
    private static int BoundaryBefore(ReadOnlySpan<char> line, Column next, int from)
    {
        // lstart's STARTED is right-aligned over a fixed 24-character date ("Thu Dec  3 16:13:00 2026").
        if (next.Field == Field.Started)
        {
            return Math.Max(from, next.End - 24);
        }

        if (next.Spaced || next.Field is Field.User or Field.Tty or Field.State or Field.Start or Field.None)
        {
            return Math.Min(next.Start, line.Length);
        }

        var end = Math.Min(next.End, line.Length);
        var s = end;
        while (s > from && !ParserText.IsBlank(line[s - 1]))
        {
            s--;
        }

        return s;
    }

    private static bool Store(
        Field field,
        ReadOnlySpan<char> cell,
        PsProcess p,
        StringCache users,
        StringCache states,
        StringCache ttys,
        StringCache starts,
        StringCache names,
        out string why)
    {
        why = string.Empty;
        switch (field)
        {
            case Field.Pid:
                if (!ParserText.TryInt(cell, out var pid) || pid < 0)
                {
                    why = $"PID '{cell}' is not a number";
                    return false;
                }

                p.PID = pid;
                break;
            case Field.ParentPid:
                p.ParentPID = ParserText.TryInt(cell, out var ppid) ? ppid : null;
                break;
            case Field.User:
                p.User = users.Get(cell);
                break;
            case Field.Cpu:
                p.CPU = Units.ParseDoubleOrNull(cell);
                break;
            case Field.Mem:
                p.MemoryPercent = Units.ParseDoubleOrNull(cell);
                break;
            case Field.Vsz:
                p.VirtualMemory = Units.ParseSizeOrNull(cell, Units.KiB);
                break;
            case Field.Rss:
                p.ResidentMemory = Units.ParseSizeOrNull(cell, Units.KiB);
                break;
            case Field.Tty:
                p.Tty = ttys.Get(cell);
                break;
            case Field.State:
                p.State = states.Get(cell);
                break;
            case Field.Start:
            case Field.Started:
                p.StartTime = starts.Get(cell);
                break;
            case Field.Elapsed:
                p.Elapsed = ParserText.TryParseClockDuration(cell, out var elapsed) ? elapsed : null;
                break;
            case Field.Time:
                p.CpuTime = ParserText.TryParseClockDuration(cell, out var time) ? time : null;
                break;
            case Field.Nice:
                p.Nice = ParserText.TryInt(cell, out var nice) ? nice : null;
                break;
            case Field.Priority:
                p.Priority = states.Get(cell);
                break;
            case Field.CommandName:
                p.CommandName = names.Get(cell);
                break;
            case Field.Command:
                p.Command = cell.ToString();
                break;
        }

        return true;
    }
}
