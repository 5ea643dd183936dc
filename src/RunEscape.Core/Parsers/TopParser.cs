using System.Globalization;
using System.Text;
using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// Reads batch-mode <c>top</c> output (<c>top -b</c>, any <c>-n</c>) of procps-ng and BusyBox.
/// Each frame gives one <see cref="TopSummary"/> followed by one <see cref="TopProcess"/> per row.
/// </summary>
/// <remarks>
/// <para>The process table is read by its header, not by fixed positions: the columns may come in
/// any order, unknown columns are skipped, and a column whose value can hold spaces (COMMAND,
/// BusyBox STAT, ENVIRON, …) is bounded by the header position of the column after it. When
/// COMMAND is the last column it is the whole rest of the line.</para>
/// <para>Memory cells are KiB unless suffixed (<c>m</c> MiB, <c>g</c> GiB, …); summary memory is
/// in the unit the line names (<c>KiB Mem</c>, <c>MiB Mem</c>, …, or a <c>K</c> suffix on BusyBox).
/// A decimal comma (locale output) is accepted wherever a decimal is expected.</para>
/// <para>A line that cannot be read is reported to the <see cref="ParseContext"/>, never thrown;
/// a row whose PID or %CPU cannot be read is dropped, other unreadable cells become null.</para>
/// </remarks>
public sealed class TopParser : IOutputParser
{
    /// <summary>Variant name of procps-ng top.</summary>
    public const string ProcpsVariant = "procps";

    /// <summary>Variant name of BusyBox top.</summary>
    public const string BusyBoxVariant = "busybox";

    private static readonly ParserInfo SharedInfo = new(
        "top",
        "1.0.0",
        "Batch-mode top output (procps-ng, BusyBox): a TopSummary per frame, then a TopProcess per task.",
        new[] { ProcpsVariant, BusyBoxVariant },
        typeof(TopProcess),
        new[] { typeof(TopProcess), typeof(TopSummary) });

    /// <inheritdoc />
    public ParserInfo Info => SharedInfo;

    /// <inheritdoc />
    public IEnumerable<CapsuleRecord> Parse(string text, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(text))
        {
            return new List<CapsuleRecord>();
        }

        var variant = NormalizeVariant(context.Variant) ?? DetectVariant(text);
        var records = new List<CapsuleRecord>(text.AsSpan().Count('\n') + 1);
        new Reader(text, variant, context, records).Run();
        return records;
    }

    /// <summary>Guesses the variant from the first line that tells them apart; procps when nothing does.</summary>
    internal static string DetectVariant(string text)
    {
        var position = 0;
        while (NextLine(text, ref position, out var line))
        {
            var t = line.TrimStart();
            if (t.IsEmpty)
            {
                continue;
            }

            switch (Classify(t, out _, out _))
            {
                case LineKind.TopLine:
                case LineKind.Tasks:
                case LineKind.Cpu:
                case LineKind.OtherProcpsSummary:
                case LineKind.UnitMemory:
                case LineKind.UnitSwap:
                    return ProcpsVariant;
                case LineKind.BusyBoxCpu:
                case LineKind.OtherBusyBoxSummary:
                case LineKind.BusyBoxLoad:
                    return BusyBoxVariant;
                case LineKind.Memory:
                    // procps 3.2: "Mem:  3861332k total, ..."; BusyBox: "Mem: 549516K used, ...".
                    if (t.Contains(" total", StringComparison.Ordinal))
                    {
                        return ProcpsVariant;
                    }

                    if (t.Contains(" used,", StringComparison.Ordinal) || t.Contains(" shrd", StringComparison.Ordinal))
                    {
                        return BusyBoxVariant;
                    }

                    break;
                case LineKind.Header:
                    if (HasToken(t, "PR") || HasToken(t, "VIRT") || HasToken(t, "TIME+") || HasToken(t, "RES"))
                    {
                        return ProcpsVariant;
                    }

                    if (HasToken(t, "STAT") || HasToken(t, "VSZ") || HasToken(t, "%VSZ"))
                    {
                        return BusyBoxVariant;
                    }

                    break;
            }
        }

        return ProcpsVariant;
    }

    /// <summary>
    /// Reads a procps TIME+/TIME cell. The forms are those procps-ng's <c>scale_tics</c> prints,
    /// from the most to the least precise: <c>M:SS.hh</c> (minutes:seconds.hundredths),
    /// <c>M:SS</c>, <c>H,MM</c> (hours,minutes), <c>Dd+Hh</c> or <c>Dd+H</c>, <c>Ww+Dd</c> or
    /// <c>Ww+D</c>, and <c>Nh</c>, <c>Nd</c>, <c>Nw</c> (suffixes in either case).
    /// </summary>
    internal static bool TryParseCpuTime(ReadOnlySpan<char> text, out TimeSpan value)
    {
        value = default;
        text = text.Trim();
        if (text.IsEmpty)
        {
            return false;
        }

        var colon = text.IndexOf(':');
        if (colon >= 0)
        {
            // M:SS or M:SS.hh
            if (!TryDigits(text[..colon], 9, out var minutes))
            {
                return false;
            }

            var rest = text[(colon + 1)..];
            long hundredths = 0;
            if (rest.Length == 5 && rest[2] == '.')
            {
                if (!TryDigits(rest[3..], 2, out hundredths))
                {
                    return false;
                }

                rest = rest[..2];
            }

            if (rest.Length != 2 || !TryDigits(rest, 2, out var seconds) || seconds > 59)
            {
                return false;
            }

            value = TimeSpan.FromTicks((minutes * 60 + seconds) * TimeSpan.TicksPerSecond + hundredths * (TimeSpan.TicksPerSecond / 100));
            return true;
        }

        var comma = text.IndexOf(',');
        if (comma >= 0)
        {
            // H,MM
            if (!TryDigits(text[..comma], 9, out var hours)
                || text.Length - comma - 1 != 2
                || !TryDigits(text[(comma + 1)..], 2, out var mins)
                || mins > 59)
            {
                return false;
            }

            value = TimeSpan.FromTicks((hours * 60 + mins) * TimeSpan.TicksPerMinute);
            return true;
        }

        // Nh, Nd, Nw, Dd+Hh, Dd+H, Ww+Dd, Ww+D
        var plus = text.IndexOf('+');
        var head = plus < 0 ? text : text[..plus];
        if (head.Length < 2 || !TryUnitTicks(head[^1], out var unitTicks) || !TryDigits(head[..^1], 9, out var count))
        {
            return false;
        }

        var ticks = count * unitTicks;
        if (plus >= 0)
        {
            var tail = text[(plus + 1)..];
            long smallerTicks = unitTicks == TimeSpan.TicksPerDay * 7 ? TimeSpan.TicksPerDay
                : unitTicks == TimeSpan.TicksPerDay ? TimeSpan.TicksPerHour
                : 0;
            if (smallerTicks == 0 || tail.IsEmpty)
            {
                return false;
            }

            if (char.IsAsciiLetter(tail[^1]))
            {
                if (!TryUnitTicks(tail[^1], out var tailUnit) || tailUnit != smallerTicks)
                {
                    return false;
                }

                tail = tail[..^1];
            }

            if (!TryDigits(tail, 3, out var smaller))
            {
                return false;
            }

            ticks += smaller * smallerTicks;
        }

        value = TimeSpan.FromTicks(ticks);
        return true;
    }

    private static bool TryUnitTicks(char unit, out long ticks)
    {
        ticks = char.ToLowerInvariant(unit) switch
        {
            'h' => TimeSpan.TicksPerHour,
            'd' => TimeSpan.TicksPerDay,
            'w' => TimeSpan.TicksPerDay * 7,
            _ => 0,
        };
        return ticks != 0;
    }

    /// <summary>Unsigned decimal digits only, at most <paramref name="maxDigits"/> of them.</summary>
    private static bool TryDigits(ReadOnlySpan<char> text, int maxDigits, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > maxDigits)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = value * 10 + (c - '0');
        }

        return true;
    }

    private static string? NormalizeVariant(string? variant)
    {
        if (string.IsNullOrWhiteSpace(variant))
        {
            return null;
        }

        var v = variant.Trim();
        if (v.Equals(ProcpsVariant, StringComparison.OrdinalIgnoreCase) || v.Equals("procps-ng", StringComparison.OrdinalIgnoreCase))
        {
            return ProcpsVariant;
        }

        if (v.Equals(BusyBoxVariant, StringComparison.OrdinalIgnoreCase))
        {
            return BusyBoxVariant;
        }

        throw new CapsuleException(
            CapsuleErrorKind.InvalidArgument,
            $"The top parser has no variant '{variant}'.",
            variant,
            "Use 'procps' or 'busybox', or leave the variant empty to detect it.");
    }

    /// <summary>Next line of <paramref name="text"/> without its line break (LF or CRLF).</summary>
    private static bool NextLine(string text, ref int position, out ReadOnlySpan<char> line)
    {
        if (position > text.Length || (position == text.Length && position > 0 && text[position - 1] == '\n'))
        {
            line = default;
            return false;
        }

        var rest = text.AsSpan(position);
        var newline = rest.IndexOf('\n');
        if (newline < 0)
        {
            line = rest;
            position = text.Length + 1;
        }
        else
        {
            line = rest[..newline];
            position += newline + 1;
        }

        if (!line.IsEmpty && line[^1] == '\r')
        {
            line = line[..^1];
        }

        return true;
    }

    private static bool HasToken(ReadOnlySpan<char> line, string token)
    {
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && IsBlank(line[i]))
            {
                i++;
            }

            var start = i;
            while (i < line.Length && !IsBlank(line[i]))
            {
                i++;
            }

            if (i > start && line[start..i].SequenceEqual(token))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsBlank(char c) => c == ' ' || c == '\t';

    private enum LineKind
    {
        Other,
        TopLine,
        Tasks,
        Cpu,
        OtherProcpsSummary,
        UnitMemory,
        UnitSwap,
        Memory,
        Swap,
        BusyBoxCpu,
        OtherBusyBoxSummary,
        BusyBoxLoad,
        Header,
    }

    /// <summary>
    /// What a (start-trimmed, non-empty) line is. <paramref name="payload"/> is where the values
    /// start; <paramref name="unit"/> is the multiplier of unsuffixed memory values on the line.
    /// </summary>
    private static LineKind Classify(ReadOnlySpan<char> t, out int payload, out long unit)
    {
        payload = 0;
        unit = Units.KiB;

        if (t.StartsWith("top - ", StringComparison.Ordinal))
        {
            payload = 6;
            return LineKind.TopLine;
        }

        if (t.StartsWith("Tasks:", StringComparison.Ordinal) || t.StartsWith("Threads:", StringComparison.Ordinal))
        {
            payload = t.IndexOf(':') + 1;
            return LineKind.Tasks;
        }

        if (t.StartsWith("%Cpu(s):", StringComparison.Ordinal) || t.StartsWith("Cpu(s):", StringComparison.Ordinal))
        {
            payload = t.IndexOf(':') + 1;
            return LineKind.Cpu;
        }

        // Per-CPU and per-NUMA-node lines (top's '1', '2', '3' toggles): valid, not summarised.
        if (t.StartsWith("%Cpu", StringComparison.Ordinal) || t.StartsWith("%Node", StringComparison.Ordinal)
            || t.StartsWith("%Cp", StringComparison.Ordinal)
            || (t.Length > 3 && t.StartsWith("Cpu", StringComparison.Ordinal) && (char.IsAsciiDigit(t[3]) || t[3] == ' ')))
        {
            return LineKind.OtherProcpsSummary;
        }

        if (t.StartsWith("CPU:", StringComparison.Ordinal))
        {
            payload = 4;
            return LineKind.BusyBoxCpu;
        }

        if (t.Length > 4 && t.StartsWith("CPU", StringComparison.Ordinal) && char.IsAsciiDigit(t[3]))
        {
            var colon = t.IndexOf(':');
            if (colon > 3 && IsAllDigits(t[3..colon]))
            {
                return LineKind.OtherBusyBoxSummary;
            }
        }

        if (t.StartsWith("Load average:", StringComparison.Ordinal))
        {
            payload = 13;
            return LineKind.BusyBoxLoad;
        }

        // "MiB Mem :", "KiB Swap:", ... (procps-ng 3.3+)
        if (t.Length > 4 && t[3] == ' ' && Units.TryGetUnitMultiplier(t[..3], out var multiplier))
        {
            var what = t[4..].TrimStart();
            var colon = t.IndexOf(':');
            if (colon > 0)
            {
                if (what.StartsWith("Mem", StringComparison.Ordinal))
                {
                    payload = colon + 1;
                    unit = multiplier;
                    return LineKind.UnitMemory;
                }

                if (what.StartsWith("Swap", StringComparison.Ordinal))
                {
                    payload = colon + 1;
                    unit = multiplier;
                    return LineKind.UnitSwap;
                }
            }
        }

        if (t.StartsWith("Mem:", StringComparison.Ordinal))
        {
            payload = 4;
            return LineKind.Memory;
        }

        if (t.StartsWith("Swap:", StringComparison.Ordinal))
        {
            payload = 5;
            return LineKind.Swap;
        }

        if (!char.IsAsciiDigit(t[0]) && HasToken(t, "PID"))
        {
            return LineKind.Header;
        }

        return LineKind.Other;
    }

    private static bool IsAllDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return !text.IsEmpty;
    }

    /// <summary>The process fields a column can feed.</summary>
    private enum Field
    {
        None,
        Pid,
        ParentPid,
        User,
        Priority,
        Nice,
        Virtual,
        Resident,
        Shared,
        State,
        Cpu,
        MemoryPercent,
        VirtualPercent,
        CpuTime,
        Command,
    }

    private sealed class Column
    {
        public Column(string name, int start, int end)
        {
            Name = name;
            Start = start;
            End = end;

            // Alignment and "may hold spaces" follow procps-ng's Fieldstab (A_left, width -1)
            // and BusyBox's row format ("%-8.8s %s" for USER and STAT).
            LeftAligned = name is "USER" or "RUSER" or "SUSER" or "GROUP" or "TTY" or "WCHAN" or "Flags"
                or "COMMAND" or "CGROUPS" or "SUPGIDS" or "SUPGRPS" or "ENVIRON" or "LXC" or "CGNAME" or "EXE" or "STAT";
            MultiToken = name is "COMMAND" or "CGROUPS" or "SUPGIDS" or "SUPGRPS" or "ENVIRON" or "CGNAME" or "EXE" or "STAT";
        }

        public string Name { get; }

        /// <summary>Position of the header text's first character.</summary>
        public int Start { get; }

        /// <summary>Position just after the header text.</summary>
        public int End { get; }

        public bool LeftAligned { get; }

        public bool MultiToken { get; }

        public Field Field { get; set; }
    }

    private sealed class Layout
    {
        private readonly int[] _fieldColumns;

        public Layout(Column[] columns)
        {
            Columns = columns;
            CellStarts = new int[columns.Length];
            CellEnds = new int[columns.Length];
            _fieldColumns = new int[Enum.GetValues<Field>().Length];
            Array.Fill(_fieldColumns, -1);

            var hasTimePlus = Array.Exists(columns, c => c.Name == "TIME+");
            for (var i = 0; i < columns.Length; i++)
            {
                var field = columns[i].Name switch
                {
                    "PID" => Field.Pid,
                    "PPID" => Field.ParentPid,
                    "USER" => Field.User,
                    "PR" => Field.Priority,
                    "NI" => Field.Nice,
                    "VIRT" or "VSZ" => Field.Virtual,
                    "RES" => Field.Resident,
                    "SHR" => Field.Shared,
                    "S" or "STAT" => Field.State,
                    "%CPU" => Field.Cpu,
                    "%MEM" => Field.MemoryPercent,
                    "%VSZ" => Field.VirtualPercent,
                    "TIME+" => Field.CpuTime,
                    "TIME" when !hasTimePlus => Field.CpuTime,
                    "COMMAND" => Field.Command,
                    _ => Field.None,
                };

                if (field != Field.None && _fieldColumns[(int)field] < 0)
                {
                    _fieldColumns[(int)field] = i;
                    columns[i].Field = field;
                }
            }
        }

        public Column[] Columns { get; }

        /// <summary>Per row: start of each column's cell, -1 when the row has no cell for it.</summary>
        public int[] CellStarts { get; }

        /// <summary>Per row: end (exclusive) of each column's cell.</summary>
        public int[] CellEnds { get; }

        public int ColumnOf(Field field) => _fieldColumns[(int)field];
    }

    /// <summary>Reuses the strings of a column with few distinct values (user, PR, state).</summary>
    private sealed class StringCache
    {
        private readonly string[] _items = new string[32];
        private int _count;

        public string Get(ReadOnlySpan<char> value)
        {
            if (value.IsEmpty)
            {
                return string.Empty;
            }

            for (var i = 0; i < _count; i++)
            {
                if (value.SequenceEqual(_items[i]))
                {
                    return _items[i];
                }
            }

            var s = value.ToString();
            if (_count < _items.Length)
            {
                _items[_count++] = s;
            }

            return s;
        }
    }

    /// <summary>
    /// Walks "number label" pairs of a summary line: <c>7 total,   2 running</c>,
    /// <c>0.0 ni,100.0 id</c>, <c>549516K used</c>, <c>52% usr</c>, <c>0.0 used.  23711.9 avail Mem</c>.
    /// A number may use a decimal comma and carry a one-letter unit suffix; labels may hold
    /// <c>/</c> and single inner spaces.
    /// </summary>
    private ref struct PairScanner
    {
        private readonly ReadOnlySpan<char> _text;
        private int _position;

        public PairScanner(ReadOnlySpan<char> text)
        {
            _text = text;
            _position = 0;
        }

        public bool Next(out ReadOnlySpan<char> number, out ReadOnlySpan<char> label)
        {
            var s = _text;
            var p = _position;
            number = default;
            label = default;

            while (p < s.Length && !char.IsAsciiDigit(s[p]))
            {
                p++;
            }

            if (p >= s.Length)
            {
                _position = p;
                return false;
            }

            var start = p;
            while (p < s.Length && char.IsAsciiDigit(s[p]))
            {
                p++;
            }

            if (p + 1 < s.Length && (s[p] == '.' || s[p] == ',') && char.IsAsciiDigit(s[p + 1]))
            {
                p++;
                while (p < s.Length && char.IsAsciiDigit(s[p]))
                {
                    p++;
                }
            }

            // A unit suffix sits right after the digits and is a single letter ("549516K used").
            if (p < s.Length && char.IsAsciiLetter(s[p]) && (p + 1 == s.Length || !char.IsAsciiLetter(s[p + 1])))
            {
                p++;
            }

            number = s[start..p];

            while (p < s.Length && (s[p] == '%' || IsBlank(s[p])))
            {
                p++;
            }

            var labelStart = p;
            while (p < s.Length)
            {
                var c = s[p];
                if (char.IsAsciiLetter(c) || c == '/')
                {
                    p++;
                }
                else if (c == ' ' && p > labelStart && p + 1 < s.Length && char.IsAsciiLetter(s[p + 1]))
                {
                    p++;
                }
                else
                {
                    break;
                }
            }

            label = s[labelStart..p];
            _position = p;
            return true;
        }
    }

    /// <summary>The state of one Parse call.</summary>
    private sealed class Reader
    {
        private readonly string _text;
        private readonly string _variant;
        private readonly ParseContext _context;
        private readonly List<CapsuleRecord> _records;
        private readonly List<string> _problems = new();
        private readonly StringBuilder _summaryText = new();
        private readonly StringCache _users = new();
        private readonly StringCache _priorities = new();
        private readonly StringCache _states = new();

        private int[] _tokenStarts = new int[64];
        private int[] _tokenEnds = new int[64];

        private TopSummary? _summary;
        private bool _frameHasTopLine;
        private bool _inTable;
        private Layout? _layout;

        public Reader(string text, string variant, ParseContext context, List<CapsuleRecord> records)
        {
            _text = text;
            _variant = variant;
            _context = context;
            _records = records;
        }

        public void Run()
        {
            var position = 0;
            var lineNumber = 0;
            while (NextLine(_text, ref position, out var line))
            {
                lineNumber++;
                try
                {
                    ReadLine(lineNumber, line);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Defensive: a bug in a line reader must cost one line, not the output.
                    _context.Report(lineNumber, line.ToString(), $"unexpected error reading the line: {ex.Message}");
                }
            }

            FinishSummaryText();
        }

        private void ReadLine(int lineNumber, ReadOnlySpan<char> line)
        {
            var t = line.TrimStart();
            if (t.IsEmpty)
            {
                return;
            }

            var kind = Classify(t, out var payloadIndex, out var unit);
            var payload = t[payloadIndex..];
            _problems.Clear();

            switch (kind)
            {
                case LineKind.Header:
                    FinishSummaryText();
                    _layout = BuildLayout(line);
                    _inTable = true;
                    return;
                case LineKind.Other:
                    if (_inTable && _layout is not null)
                    {
                        ReadRow(lineNumber, line, _layout);
                    }
                    else
                    {
                        _context.Report(lineNumber, line.ToString(), "not a top summary line, column header or process row");
                    }

                    return;
            }

            // A summary line. It opens a new frame after a process table, or at a second "top -" line.
            if (_summary is null || _inTable || (kind == LineKind.TopLine && _frameHasTopLine))
            {
                StartFrame();
            }

            var summary = _summary!;
            if (_summaryText.Length > 0)
            {
                _summaryText.Append('\n');
            }

            _summaryText.Append(line);

            switch (kind)
            {
                case LineKind.TopLine:
                    _frameHasTopLine = true;
                    ReadTopLine(payload, summary);
                    break;
                case LineKind.Tasks:
                    ReadTasks(payload, summary);
                    break;
                case LineKind.Cpu:
                case LineKind.BusyBoxCpu:
                    ReadCpu(payload, summary);
                    break;
                case LineKind.UnitMemory:
                case LineKind.Memory:
                    ReadMemory(payload, unit, summary);
                    break;
                case LineKind.UnitSwap:
                case LineKind.Swap:
                    ReadSwap(payload, unit, summary);
                    break;
                case LineKind.BusyBoxLoad:
                    ReadBusyBoxLoad(payload, summary);
                    break;
            }

            if (_problems.Count > 0)
            {
                _context.Report(lineNumber, line.ToString(), string.Join("; ", _problems));
            }
        }

        private void StartFrame()
        {
            FinishSummaryText();
            _summary = new TopSummary { Variant = _variant };
            _records.Add(_summary);
            _frameHasTopLine = false;
            _inTable = false;
        }

        private void FinishSummaryText()
        {
            if (_summary is not null && _summary.SourceLine is null && _summaryText.Length > 0)
            {
                _summary.SourceLine = _summaryText.ToString();
            }

            _summaryText.Clear();
        }

        // ---- summary lines -------------------------------------------------------------

        private void ReadTopLine(ReadOnlySpan<char> payload, TopSummary summary)
        {
            // "15:35:40 up 11 min,  0 user,  load average: 0.38, 0.37, 0.22"
            var rest = payload.Trim();
            var blank = rest.IndexOf(' ');
            var clock = blank < 0 ? rest : rest[..blank];
            if (TryParseClock(clock, out var time))
            {
                summary.Time = time;
            }
            else
            {
                _problems.Add($"cannot read the time of day '{clock.ToString()}'");
            }

            rest = blank < 0 ? default : rest[blank..].TrimStart();
            var load = rest.IndexOf("load average", StringComparison.Ordinal);
            var middle = load < 0 ? rest : rest[..load];
            if (middle.StartsWith("up ", StringComparison.Ordinal))
            {
                ReadUptimeAndUsers(middle[3..], summary);
            }
            else if (!middle.Trim().IsEmpty)
            {
                _problems.Add($"cannot read '{middle.Trim().ToString()}'");
            }

            if (load < 0)
            {
                _problems.Add("no load average");
                return;
            }

            var loads = rest[(load + "load average".Length)..].TrimStart(':');
            ReadLoadAverages(loads, summary, allowMore: false);
        }

        private void ReadUptimeAndUsers(ReadOnlySpan<char> text, TopSummary summary)
        {
            // Segments as procps sprint_uptime prints them: "2 days", " 3:04", "10 min", "2 users".
            long minutes = 0;
            var sawUptime = false;
            var remaining = text;
            while (true)
            {
                var comma = remaining.IndexOf(',');
                var segment = (comma < 0 ? remaining : remaining[..comma]).Trim();
                if (!segment.IsEmpty)
                {
                    ReadUptimeSegment(segment, summary, ref minutes, ref sawUptime);
                }

                if (comma < 0)
                {
                    break;
                }

                remaining = remaining[(comma + 1)..];
            }

            if (sawUptime)
            {
                summary.Uptime = TimeSpan.FromMinutes(minutes);
            }
        }

        private void ReadUptimeSegment(ReadOnlySpan<char> segment, TopSummary summary, ref long minutes, ref bool sawUptime)
        {
            var colon = segment.IndexOf(':');
            if (colon > 0)
            {
                if (TryDigits(segment[..colon], 6, out var h) && TryDigits(segment[(colon + 1)..], 2, out var m) && m < 60)
                {
                    minutes += h * 60 + m;
                    sawUptime = true;
                }
                else
                {
                    _problems.Add($"cannot read the uptime '{segment.ToString()}'");
                }

                return;
            }

            var space = segment.IndexOf(' ');
            var numberPart = space < 0 ? segment : segment[..space];
            var word = space < 0 ? default : segment[(space + 1)..].Trim();
            if (!TryDigits(numberPart, 9, out var n))
            {
                _problems.Add($"cannot read '{segment.ToString()}'");
                return;
            }

            switch (word)
            {
                case "min" or "mins":
                    minutes += n;
                    sawUptime = true;
                    break;
                case "day" or "days":
                    minutes += n * 24 * 60;
                    sawUptime = true;
                    break;
                case "user" or "users":
                    summary.Users = (int)Math.Min(n, int.MaxValue);
                    break;
                default:
                    _problems.Add($"cannot read '{segment.ToString()}'");
                    break;
            }
        }

        private void ReadLoadAverages(ReadOnlySpan<char> text, TopSummary summary, bool allowMore)
        {
            // "0.38, 0.37, 0.22" (procps; "0,38, 0,37, 0,22" with a decimal comma) or
            // "0.67 0.43 0.24 4/174 166" (BusyBox: /proc/loadavg as is).
            var index = 0;
            var p = 0;
            while (p < text.Length)
            {
                while (p < text.Length && IsBlank(text[p]))
                {
                    p++;
                }

                var start = p;
                while (p < text.Length && !IsBlank(text[p]))
                {
                    p++;
                }

                var token = text[start..p].TrimEnd(',');
                if (token.IsEmpty)
                {
                    continue;
                }

                if (index < 3)
                {
                    if (Units.TryParseDouble(token, out var value))
                    {
                        switch (index)
                        {
                            case 0: summary.LoadAverage1 = value; break;
                            case 1: summary.LoadAverage5 = value; break;
                            default: summary.LoadAverage15 = value; break;
                        }
                    }
                    else
                    {
                        _problems.Add($"cannot read the load average '{token.ToString()}'");
                    }
                }
                else if (allowMore && index == 3)
                {
                    var slash = token.IndexOf('/');
                    if (slash > 0 && TryInt(token[..slash], out var running) && TryInt(token[(slash + 1)..], out var total))
                    {
                        summary.TasksRunning = running;
                        summary.TasksTotal = total;
                    }
                    else
                    {
                        _problems.Add($"cannot read the running/total tasks '{token.ToString()}'");
                    }
                }
                else if (allowMore && index == 4)
                {
                    if (TryInt(token, out var lastPid))
                    {
                        summary.LastPID = lastPid;
                    }
                    else
                    {
                        _problems.Add($"cannot read the last PID '{token.ToString()}'");
                    }
                }
                else
                {
                    _problems.Add($"unexpected '{token.ToString()}' after the load averages");
                }

                index++;
            }

            if (index < 3)
            {
                _problems.Add("fewer than three load averages");
            }
        }

        private void ReadBusyBoxLoad(ReadOnlySpan<char> payload, TopSummary summary) =>
            ReadLoadAverages(payload, summary, allowMore: true);

        private void ReadTasks(ReadOnlySpan<char> payload, TopSummary summary)
        {
            var known = 0;
            var scanner = new PairScanner(payload);
            while (scanner.Next(out var number, out var label))
            {
                int? value = TryInt(number, out var v) ? v : null;
                var matched = true;
                switch (label)
                {
                    case "total": summary.TasksTotal = value; break;
                    case "running": summary.TasksRunning = value; break;
                    case "sleeping": summary.TasksSleeping = value; break;
                    case "stopped": summary.TasksStopped = value; break;
                    case "zombie": summary.TasksZombie = value; break;
                    default: matched = false; break;
                }

                CountPair(matched, value.HasValue, number, label, ref known);
            }

            NoteIfNothingKnown(known);
        }

        private void ReadCpu(ReadOnlySpan<char> payload, TopSummary summary)
        {
            var known = 0;
            var scanner = new PairScanner(payload);
            while (scanner.Next(out var number, out var label))
            {
                double? value = Units.TryParseDouble(number, out var v) ? v : null;
                var matched = true;
                switch (label)
                {
                    case "us" or "usr": summary.CpuUser = value; break;
                    case "sy" or "sys": summary.CpuSystem = value; break;
                    case "ni" or "nic": summary.CpuNice = value; break;
                    case "id" or "idle": summary.CpuIdle = value; break;
                    case "wa" or "io": summary.CpuIOWait = value; break;
                    case "hi" or "irq": summary.CpuHardwareIrq = value; break;
                    case "si" or "sirq": summary.CpuSoftwareIrq = value; break;
                    case "st": summary.CpuSteal = value; break;
                    default: matched = false; break;
                }

                CountPair(matched, value.HasValue, number, label, ref known);
            }

            NoteIfNothingKnown(known);
        }

        private void ReadMemory(ReadOnlySpan<char> payload, long unit, TopSummary summary)
        {
            var known = 0;
            var sawTotal = false;
            var scanner = new PairScanner(payload);
            while (scanner.Next(out var number, out var label))
            {
                long? value = Units.TryParseSize(number, unit, out var v) ? v : null;
                var matched = true;
                switch (label)
                {
                    case "total": summary.MemoryTotal = value; sawTotal = true; break;
                    case "free": summary.MemoryFree = value; break;
                    case "used": summary.MemoryUsed = value; break;
                    case "buff/cache": summary.MemoryBuffCache = value; break;
                    case "buffers" or "buff": summary.MemoryBuffers = value; break;
                    case "shrd" or "shared": summary.MemoryShared = value; break;
                    case "cached": summary.MemoryCached = value; break;
                    case "avail Mem": summary.MemoryAvailable = value; break;
                    default: matched = false; break;
                }

                CountPair(matched, value.HasValue, number, label, ref known);
            }

            // BusyBox prints used and free only; its used is MemTotal - MemFree.
            if (!sawTotal && summary.MemoryUsed is long used && summary.MemoryFree is long free)
            {
                summary.MemoryTotal = used + free;
            }

            NoteIfNothingKnown(known);
        }

        private void ReadSwap(ReadOnlySpan<char> payload, long unit, TopSummary summary)
        {
            var known = 0;
            var scanner = new PairScanner(payload);
            while (scanner.Next(out var number, out var label))
            {
                long? value = Units.TryParseSize(number, unit, out var v) ? v : null;
                var matched = true;
                switch (label)
                {
                    case "total": summary.SwapTotal = value; break;
                    case "free": summary.SwapFree = value; break;
                    case "used": summary.SwapUsed = value; break;
                    case "avail Mem": summary.MemoryAvailable = value; break;
                    case "cached": summary.MemoryCached = value; break;
                    default: matched = false; break;
                }

                CountPair(matched, value.HasValue, number, label, ref known);
            }

            NoteIfNothingKnown(known);
        }

        private void CountPair(bool matched, bool parsed, ReadOnlySpan<char> number, ReadOnlySpan<char> label, ref int known)
        {
            if (!matched)
            {
                return;
            }

            known++;
            if (!parsed)
            {
                _problems.Add($"cannot read '{number.ToString()}' for '{label.ToString()}'");
            }
        }

        private void NoteIfNothingKnown(int known)
        {
            if (known == 0)
            {
                _problems.Add("no known values on this summary line");
            }
        }

        // ---- process table --------------------------------------------------------------

        private Layout BuildLayout(ReadOnlySpan<char> header)
        {
            var count = Tokenize(header);
            var columns = new Column[count];
            for (var i = 0; i < count; i++)
            {
                columns[i] = new Column(header[_tokenStarts[i].._tokenEnds[i]].ToString(), _tokenStarts[i], _tokenEnds[i]);
            }

            return new Layout(columns);
        }

        private int Tokenize(ReadOnlySpan<char> line)
        {
            var count = 0;
            var i = 0;
            while (true)
            {
                while (i < line.Length && IsBlank(line[i]))
                {
                    i++;
                }

                if (i >= line.Length)
                {
                    return count;
                }

                var start = i;
                while (i < line.Length && !IsBlank(line[i]))
                {
                    i++;
                }

                if (count == _tokenStarts.Length)
                {
                    Array.Resize(ref _tokenStarts, count * 2);
                    Array.Resize(ref _tokenEnds, count * 2);
                }

                _tokenStarts[count] = start;
                _tokenEnds[count] = i;
                count++;
            }
        }

        /// <summary>
        /// Splits a row into the layout's cells. Single-token columns take one token each, in
        /// order. A column that may hold spaces takes tokens up to where the next column's value
        /// begins: the header start of a left-aligned next column, or the token reaching into the
        /// header of a right-aligned one (its value ends under the header's end). Positions are
        /// corrected by how far the previous cell sat from its header (values wider than their
        /// column push the rest of a BusyBox row to the right).
        /// </summary>
        private void SplitCells(int tokenCount, Layout layout)
        {
            var columns = layout.Columns;
            var starts = layout.CellStarts;
            var ends = layout.CellEnds;
            Array.Fill(starts, -1);

            var ti = 0;
            var shift = 0;
            for (var c = 0; c < columns.Length && ti < tokenCount; c++)
            {
                var column = columns[c];
                if (!column.MultiToken)
                {
                    starts[c] = _tokenStarts[ti];
                    ends[c] = _tokenEnds[ti];
                    shift = column.LeftAligned ? _tokenStarts[ti] - column.Start : _tokenEnds[ti] - column.End;
                    ti++;
                    continue;
                }

                if (c == columns.Length - 1)
                {
                    starts[c] = _tokenStarts[ti];
                    ends[c] = _tokenEnds[tokenCount - 1];
                    ti = tokenCount;
                    break;
                }

                var next = columns[c + 1];
                var first = ti;
                while (ti < tokenCount && !StartsNextColumn(next, ti, shift))
                {
                    ti++;
                }

                if (ti > first)
                {
                    starts[c] = _tokenStarts[first];
                    ends[c] = _tokenEnds[ti - 1];
                    if (column.LeftAligned)
                    {
                        shift = _tokenStarts[first] - column.Start;
                    }
                }
                else
                {
                    // Present but empty.
                    starts[c] = _tokenStarts[first];
                    ends[c] = _tokenStarts[first];
                }
            }
        }

        private bool StartsNextColumn(Column next, int token, int shift) =>
            next.LeftAligned
                ? _tokenStarts[token] >= next.Start + shift
                : _tokenEnds[token] > next.Start + shift;

        private void ReadRow(int lineNumber, ReadOnlySpan<char> line, Layout layout)
        {
            var tokenCount = Tokenize(line);
            SplitCells(tokenCount, layout);

            var pidColumn = layout.ColumnOf(Field.Pid);
            if (pidColumn < 0)
            {
                Report(lineNumber, line, "the column header has no PID column");
                return;
            }

            if (!TryCell(layout, pidColumn, line, out var pidCell) || !TryInt(pidCell, out var pid))
            {
                Report(lineNumber, line, $"not a process row: PID '{Cell(layout, pidColumn, line).ToString()}' is not a number");
                return;
            }

            var process = new TopProcess { PID = pid, Variant = _variant };

            var cpuColumn = layout.ColumnOf(Field.Cpu);
            if (cpuColumn >= 0)
            {
                if (!TryCell(layout, cpuColumn, line, out var cpuCell) || !Units.TryParsePercent(cpuCell, out var cpu))
                {
                    Report(lineNumber, line, $"PID {pid}: %CPU '{Cell(layout, cpuColumn, line).ToString()}' is not a number; row skipped");
                    return;
                }

                process.CPU = cpu;
            }

            var columns = layout.Columns;
            for (var c = 0; c < columns.Length; c++)
            {
                var field = columns[c].Field;
                if (field is Field.None or Field.Pid or Field.Cpu)
                {
                    continue;
                }

                if (!TryCell(layout, c, line, out var cell))
                {
                    _problems.Add($"no {columns[c].Name} cell");
                    continue;
                }

                ReadCell(process, field, columns[c].Name, cell);
            }

            // The line is a slice of _text: remember where, cut the string only if someone reads it.
            process.SetSource(_text, LineOffset(line), line.Length);
            _records.Add(process);

            if (_problems.Count > 0)
            {
                _context.Report(lineNumber, line.ToString(), $"PID {pid}: " + string.Join("; ", _problems));
            }
        }

        private void ReadCell(TopProcess process, Field field, string name, ReadOnlySpan<char> cell)
        {
            // procps prints '-' for a value it does not have and '?' for one that will not fit.
            var missing = cell.IsEmpty || cell is "-" || cell is "?";
            switch (field)
            {
                case Field.User:
                    process.User = _users.Get(cell);
                    return;
                case Field.State:
                    process.State = _states.Get(cell);
                    return;
                case Field.Command:
                    process.Command = cell.ToString();
                    return;
                case Field.Priority:
                    process.Priority = missing ? null : _priorities.Get(cell);
                    return;
            }

            if (missing)
            {
                return;
            }

            var ok = true;
            switch (field)
            {
                case Field.ParentPid:
                    ok = TryInt(cell, out var ppid);
                    process.ParentPID = ok ? ppid : null;
                    break;
                case Field.Nice:
                    ok = TryInt(cell, out var nice);
                    process.Nice = ok ? nice : null;
                    break;
                case Field.Virtual:
                    ok = Units.TryParseSize(cell, Units.KiB, out var virt);
                    process.VirtualMemory = ok ? virt : null;
                    break;
                case Field.Resident:
                    ok = Units.TryParseSize(cell, Units.KiB, out var res);
                    process.ResidentMemory = ok ? res : null;
                    break;
                case Field.Shared:
                    ok = Units.TryParseSize(cell, Units.KiB, out var shr);
                    process.SharedMemory = ok ? shr : null;
                    break;
                case Field.MemoryPercent:
                    ok = Units.TryParsePercent(cell, out var mem);
                    process.MemoryPercent = ok ? mem : null;
                    break;
                case Field.VirtualPercent:
                    ok = Units.TryParsePercent(cell, out var vszPercent);
                    process.VirtualMemoryPercent = ok ? vszPercent : null;
                    break;
                case Field.CpuTime:
                    ok = TryParseCpuTime(cell, out var time);
                    process.CpuTime = ok ? time : null;
                    break;
            }

            if (!ok)
            {
                _problems.Add($"cannot read {name} '{cell.ToString()}'");
            }
        }

        /// <summary>Where <paramref name="line"/> (a slice of the parsed text) starts in it.</summary>
        private int LineOffset(ReadOnlySpan<char> line) =>
            (int)(System.Runtime.CompilerServices.Unsafe.ByteOffset(
                ref System.Runtime.InteropServices.MemoryMarshal.GetReference(_text.AsSpan()),
                ref System.Runtime.InteropServices.MemoryMarshal.GetReference(line)) / sizeof(char));

        private static bool TryCell(Layout layout, int column, ReadOnlySpan<char> line, out ReadOnlySpan<char> cell)
        {
            var start = layout.CellStarts[column];
            if (start < 0)
            {
                cell = default;
                return false;
            }

            cell = line[start..layout.CellEnds[column]];
            return true;
        }

        private static ReadOnlySpan<char> Cell(Layout layout, int column, ReadOnlySpan<char> line) =>
            TryCell(layout, column, line, out var cell) ? cell : default;

        private void Report(int lineNumber, ReadOnlySpan<char> line, string message) =>
            _context.Report(lineNumber, line.ToString(), message);
    }

    private static bool TryInt(ReadOnlySpan<char> text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    /// <summary>Time of day as <c>H:MM:SS</c> or <c>HH:MM:SS</c>.</summary>
    private static bool TryParseClock(ReadOnlySpan<char> text, out TimeSpan value)
    {
        value = default;
        var first = text.IndexOf(':');
        var last = text.LastIndexOf(':');
        if (first <= 0 || last == first || last != first + 3 || text.Length != last + 3)
        {
            return false;
        }

        if (!TryDigits(text[..first], 2, out var h) || !TryDigits(text[(first + 1)..last], 2, out var m) || !TryDigits(text[(last + 1)..], 2, out var s)
            || h > 23 || m > 59 || s > 60)
        {
            return false;
        }

        value = new TimeSpan((int)h, (int)m, (int)s);
        return true;
    }
}
