using System.Globalization;
using System.Reflection;
using System.Text.Json;
using RunEscape.Parsers;
using RunEscape.Parsing;
using Xunit;

namespace RunEscape.Tests.Parsers;

public class TopParserTests
{
    private const string Folder = "top";
    private const double Tolerance = 1e-9;

    private static readonly string[] IgnoredProperties = { nameof(CapsuleRecord.Target), nameof(CapsuleRecord.SourceLine) };

    // ---- fixtures against their expected JSON ---------------------------------------------

    public static TheoryData<string> OutFixtures()
    {
        var data = new TheoryData<string>();
        foreach (var name in Fixtures.List(Folder, "*.out"))
        {
            data.Add(name);
        }

        return data;
    }

    [Fact]
    public void Every_out_fixture_has_an_expected_json()
    {
        var outs = Fixtures.List(Folder, "*.out");
        Assert.True(outs.Count >= 7, "expected at least the 7 top fixtures, found " + outs.Count);
        foreach (var name in outs)
        {
            Assert.True(File.Exists(Fixtures.PathOf(Folder, Path.ChangeExtension(name, ".json"))), name + " has no .json");
        }
    }

    [Theory]
    [MemberData(nameof(OutFixtures))]
    public void Fixture_parses_to_the_expected_records(string name)
    {
        var text = Fixtures.ReadText(Folder, name);
        using var expected = JsonDocument.Parse(Fixtures.ReadText(Folder, Path.ChangeExtension(name, ".json")));
        var root = expected.RootElement;

        var context = new ParseContext();
        var records = new TopParser().Parse(text, context).ToList();

        Assert.True(
            root.GetProperty("issues").GetInt32() == context.Issues.Count,
            $"{name}: expected {root.GetProperty("issues").GetInt32()} issues, got: " + string.Join(" | ", context.Issues));

        // Frames: each summary opens one, the processes after it belong to it.
        var frames = SplitFrames(records);
        var counts = root.GetProperty("processCounts").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(counts.Length, frames.Count);
        for (var f = 0; f < counts.Length; f++)
        {
            Assert.Equal(counts[f], frames[f].Processes.Count);
        }

        var variant = root.GetProperty("variant").GetString();
        Assert.All(records, r => Assert.Equal(variant, VariantOf(r)));

        var expectedRecords = root.GetProperty("records").EnumerateArray().ToList();
        if (root.GetProperty("complete").GetBoolean())
        {
            Assert.Equal(expectedRecords.Count, records.Count);
            for (var i = 0; i < records.Count; i++)
            {
                AssertMatches(expectedRecords[i], records[i], $"{name} record {i}");
            }
        }
        else
        {
            foreach (var e in expectedRecords)
            {
                var frame = frames[e.GetProperty("frame").GetInt32()];
                CapsuleRecord actual = e.GetProperty("type").GetString() == nameof(TopSummary)
                    ? frame.Summary!
                    : Assert.Single(frame.Processes, p => p.PID == e.GetProperty("PID").GetInt32());
                AssertMatches(e, actual, $"{name} frame {e.GetProperty("frame").GetInt32()}");
            }
        }

        // Every record names the text it came from.
        var lines = text.Split('\n');
        foreach (var frame in frames)
        {
            Assert.NotNull(frame.Summary);
            Assert.Contains(frame.Summary!.SourceLine!.Split('\n')[0], lines);
            foreach (var p in frame.Processes)
            {
                Assert.Contains(p.SourceLine!, lines);
                Assert.StartsWith(p.PID.ToString(CultureInfo.InvariantCulture) + " ", p.SourceLine!.TrimStart(), StringComparison.Ordinal);
            }
        }
    }

    // ---- the captured target, spelled out -------------------------------------------------

    [Fact]
    public void Procps_full_command_lines_show_the_burner_the_sleeper_and_the_zombie()
    {
        var processes = ParseProcesses(Fixtures.ReadText(Folder, "procps__capsule--top-b-n1-c-w512.out"), out var context);
        Assert.Empty(context.Issues);
        Assert.Equal(new[] { 7, 1, 8, 9, 10, 11, 24 }, processes.Select(p => p.PID));

        var burner = processes.Single(p => p.PID == 7);
        Assert.Equal(93.8, burner.CPU, Tolerance);
        Assert.Equal("/bin/sh /app/init.sh", burner.Command);
        Assert.Equal("R", burner.State);
        Assert.Equal(TimeSpan.FromMilliseconds(16820), burner.CpuTime);
        Assert.Equal(2268L * 1024, burner.VirtualMemory);
        Assert.Equal(1224L * 1024, burner.ResidentMemory);
        Assert.Equal(1168L * 1024, burner.SharedMemory);
        Assert.Equal("20", burner.Priority);
        Assert.Equal(0, burner.Nice);

        Assert.Equal("sleep 100000", processes.Single(p => p.PID == 1).Command);

        var zombie = processes.Single(p => p.PID == 9);
        Assert.Equal("Z", zombie.State);
        Assert.Equal("[worker --queue=] <defunct>", zombie.Command);
        Assert.Equal(0L, zombie.VirtualMemory);

        Assert.Equal("busybox httpd -f -p 8080", processes.Single(p => p.PID == 10).Command);
        Assert.Equal("/usr/bin/top -b -n1 -c -w 512", processes.Single(p => p.PID == 24).Command);
    }

    [Theory]
    [InlineData("procps__capsule--top-b-n1.out")]
    [InlineData("procps__capsule--top-b-n1-c-w512.out")]
    [InlineData("busybox__capsule--top-b-n1.out")]
    public void Sorting_by_CPU_descending_puts_the_burner_first(string name)
    {
        var processes = ParseProcesses(Fixtures.ReadText(Folder, name), out _);
        var top = processes.OrderByDescending(p => p.CPU).First();
        Assert.Equal(7, top.PID);
        Assert.True(top.CPU > 40);
    }

    [Fact]
    public void Procps_summary_is_in_bytes_with_uptime_users_load_and_tasks()
    {
        var context = new ParseContext();
        var records = new TopParser().Parse(Fixtures.ReadText(Folder, "procps__capsule--top-b-n1-c-w512.out"), context).ToList();
        var summary = Assert.IsType<TopSummary>(records[0]);
        Assert.Equal(1, records.Count(r => r is TopSummary));

        Assert.Equal("procps", summary.Variant);
        Assert.Equal(new TimeSpan(15, 35, 41), summary.Time);
        Assert.Equal(TimeSpan.FromMinutes(11), summary.Uptime);
        Assert.Equal(0, summary.Users);
        Assert.Equal(0.38, summary.LoadAverage1!.Value, Tolerance);
        Assert.Equal(0.37, summary.LoadAverage5!.Value, Tolerance);
        Assert.Equal(0.22, summary.LoadAverage15!.Value, Tolerance);
        Assert.Equal((7, 2, 4, 0, 1), (summary.TasksTotal, summary.TasksRunning, summary.TasksSleeping, summary.TasksStopped, summary.TasksZombie));
        Assert.Equal(100.0, summary.CpuIdle!.Value, Tolerance);

        // "MiB Mem :  24105.1 total": 24105.1 * 1048576 = 25276029337.6
        Assert.Equal(25276029338L, summary.MemoryTotal);
        Assert.Equal(24717767475L, summary.MemoryFree);   // 23572.7 MiB
        Assert.Equal(415026381L, summary.MemoryUsed);     // 395.8 MiB
        Assert.Equal(405484339L, summary.MemoryBuffCache); // 386.7 MiB
        Assert.Equal(24861107814L, summary.MemoryAvailable); // 23709.4 MiB
        Assert.Equal(0L, summary.SwapTotal);
        Assert.Null(summary.LastPID);
        Assert.StartsWith("top - 15:35:41", summary.SourceLine, StringComparison.Ordinal);
    }

    [Fact]
    public void BusyBox_rows_have_ppid_numeric_user_vsz_and_percentages()
    {
        var processes = ParseProcesses(Fixtures.ReadText(Folder, "busybox__capsule--top-b-n1.out"), out var context);
        Assert.Empty(context.Issues);
        Assert.Equal(new[] { 7, 1, 160, 8, 10, 11, 9 }, processes.Select(p => p.PID));

        var burner = processes.Single(p => p.PID == 7);
        Assert.Equal(48.0, burner.CPU, Tolerance);
        Assert.Equal(2322432L, burner.VirtualMemory);
        Assert.Equal(1, burner.ParentPID);
        Assert.Equal("0", burner.User);
        Assert.Equal("R", burner.State);
        Assert.Equal(0.0, burner.VirtualMemoryPercent);
        Assert.Equal("{yes} /bin/sh /app/init.sh", burner.Command);
        Assert.Equal("busybox", burner.Variant);
        Assert.Null(burner.CpuTime);
        Assert.Null(burner.Priority);
        Assert.Null(burner.ResidentMemory);
        Assert.Null(burner.MemoryPercent);

        Assert.Equal("sleep 100000", processes.Single(p => p.PID == 1).Command);
        Assert.Equal(0, processes.Single(p => p.PID == 1).ParentPID);
        var zombie = processes.Single(p => p.PID == 9);
        Assert.Equal("Z", zombie.State);
        Assert.Equal("[worker --queue=]", zombie.Command);
        Assert.Equal(0L, zombie.VirtualMemory);
    }

    [Fact]
    public void BusyBox_summary_reads_mem_cpu_and_load_lines()
    {
        var records = new TopParser().Parse(Fixtures.ReadText(Folder, "busybox__capsule--top-b-n1.out"), new ParseContext()).ToList();
        var s = Assert.IsType<TopSummary>(records[0]);
        Assert.Equal("busybox", s.Variant);
        Assert.Equal(549516L * 1024, s.MemoryUsed);
        Assert.Equal(24134148L * 1024, s.MemoryFree);
        Assert.Equal((549516L + 24134148L) * 1024, s.MemoryTotal);
        Assert.Equal(9652L * 1024, s.MemoryShared);
        Assert.Equal(2308L * 1024, s.MemoryBuffers);
        Assert.Equal(317244L * 1024, s.MemoryCached);
        Assert.Equal(52.0, s.CpuUser);
        Assert.Equal(47.0, s.CpuIdle);
        Assert.Equal(0.0, s.CpuSoftwareIrq);
        Assert.Null(s.CpuSteal);
        Assert.Equal(0.67, s.LoadAverage1!.Value, Tolerance);
        Assert.Equal(0.43, s.LoadAverage5!.Value, Tolerance);
        Assert.Equal(0.24, s.LoadAverage15!.Value, Tolerance);
        Assert.Equal(4, s.TasksRunning);
        Assert.Equal(174, s.TasksTotal);
        Assert.Equal(166, s.LastPID);
        Assert.Null(s.Uptime);
        Assert.Null(s.Users);
        Assert.Null(s.Time);
        Assert.StartsWith("Mem: 549516K used", s.SourceLine, StringComparison.Ordinal);
        Assert.EndsWith("4/174 166", s.SourceLine, StringComparison.Ordinal);
    }

    [Fact]
    public void Three_frames_give_three_summaries_each_followed_by_its_processes()
    {
        var records = new TopParser().Parse(Fixtures.ReadText(Folder, "procps__jc-centos-7.7--top-b-n3.out"), new ParseContext()).ToList();
        var summaryIndexes = records.Select((r, i) => (r, i)).Where(x => x.r is TopSummary).Select(x => x.i).ToArray();
        Assert.Equal(new[] { 0, 113, 226 }, summaryIndexes);
        Assert.Equal(
            new TimeSpan?[] { new TimeSpan(11, 24, 50), new TimeSpan(11, 24, 53), new TimeSpan(11, 24, 56) },
            records.OfType<TopSummary>().Select(s => s.Time));
        Assert.Equal(339, records.Count);
    }

    [Fact]
    public void Command_that_is_not_the_last_column_is_bounded_by_the_next_header()
    {
        var text = Fixtures.ReadText(Folder, "procps__jc-centos-7.7--top-b-n1-gib-allfields-w.out");
        var processes = ParseProcesses(text, out var context);
        Assert.Empty(context.Issues);
        Assert.Equal(108, processes.Count);
        Assert.All(processes, p => Assert.DoesNotContain("  ", p.Command, StringComparison.Ordinal));
        Assert.All(processes, p => Assert.NotNull(p.ParentPID));
        var top = processes.Single(p => p.PID == 2225);
        Assert.Equal("top", top.Command);
        Assert.Equal(1884, top.ParentPID);
        Assert.Equal(165779866L, top.VirtualMemory); // 158.1m

        // Synthetic: spaces inside a command that is followed by a right-aligned PPID column.
        const string table =
            "    PID USER      %CPU COMMAND                    PPID S\n" +
            "      7 root      93.8 /bin/sh /app/init.sh          1 R\n" +
            "     12 root       0.0 nginx: worker process      4321 S\n";
        var rows = ParseProcesses(table, out context);
        Assert.Empty(context.Issues);
        Assert.Equal(("/bin/sh /app/init.sh", 1, "R"), (rows[0].Command, rows[0].ParentPID, rows[0].State));
        Assert.Equal(("nginx: worker process", 4321, "S"), (rows[1].Command, rows[1].ParentPID, rows[1].State));
    }

    // ---- robustness -------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\n\n")]
    [InlineData("\r\n \t\r\n")]
    public void Empty_input_gives_no_records_and_no_issues(string text)
    {
        var context = new ParseContext();
        Assert.Empty(new TopParser().Parse(text, context));
        Assert.Empty(context.Issues);
    }

    [Fact]
    public void A_garbage_line_in_the_table_is_reported_once_and_the_other_rows_still_parse()
    {
        var lines = Fixtures.ReadText(Folder, "procps__capsule--top-b-n1-c-w512.out").Split('\n').ToList();
        var at = lines.FindIndex(l => l.TrimStart().StartsWith("1 root", StringComparison.Ordinal)) + 1;
        const string garbage = "this line is garbage, not a process !!";
        lines.Insert(at, garbage);

        var context = new ParseContext();
        var records = new TopParser().Parse(string.Join('\n', lines), context).ToList();

        var issue = Assert.Single(context.Issues);
        Assert.Equal(garbage, issue.Line);
        Assert.Equal(at + 1, issue.LineNumber);
        Assert.Equal(new[] { 7, 1, 8, 9, 10, 11, 24 }, records.OfType<TopProcess>().Select(p => p.PID));
        Assert.Single(records.OfType<TopSummary>());
    }

    [Fact]
    public void A_bad_cell_keeps_the_row_with_that_field_null_and_reports_it()
    {
        const string table =
            "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n" +
            "      7 root      20   0    22x8   1224   1168 R  87.5   0.0   0:16.38 yes\n" +
            "      8 root      20   0    2268   1224   1168 R  oops   0.0   0:16.38 yes\n";
        var context = new ParseContext();
        var processes = new TopParser().Parse(table, context).OfType<TopProcess>().ToList();

        var row = Assert.Single(processes);
        Assert.Equal(7, row.PID);
        Assert.Null(row.VirtualMemory);
        Assert.Equal(1224L * 1024, row.ResidentMemory);
        Assert.Equal(2, context.Issues.Count);
        Assert.Equal(2, context.Issues[0].LineNumber);
        Assert.Contains("VIRT", context.Issues[0].Message, StringComparison.Ordinal);
        Assert.Equal(3, context.Issues[1].LineNumber);
        Assert.Contains("%CPU", context.Issues[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_before_any_header_is_reported()
    {
        var context = new ParseContext();
        var records = new TopParser().Parse("      7 root      20   0    2268   1224   1168 R  87.5   0.0   0:16.38 yes\n", context);
        Assert.Empty(records);
        Assert.Equal(1, Assert.Single(context.Issues).LineNumber);
    }

    [Fact]
    public void Crlf_line_endings_are_accepted()
    {
        var text = Fixtures.ReadText(Folder, "procps__capsule--top-b-n1-c-w512.out").Replace("\n", "\r\n", StringComparison.Ordinal);
        var processes = ParseProcesses(text, out var context);
        Assert.Empty(context.Issues);
        Assert.Equal("/bin/sh /app/init.sh", processes[0].Command);
        Assert.DoesNotContain('\r', processes[0].SourceLine!);
    }

    // ---- variants ---------------------------------------------------------------------------

    [Fact]
    public void The_variant_is_detected_from_the_text()
    {
        Assert.Equal("procps", VariantOf(Parse("procps__capsule--top-b-n1.out")[0]));
        Assert.Equal("busybox", VariantOf(Parse("busybox__capsule--top-b-n1.out")[0]));

        // Only a BusyBox header: detected by its columns.
        const string table =
            "  PID  PPID USER     STAT   VSZ %VSZ %CPU COMMAND\n" +
            "    7     1 0        R     2268   0%  48% {yes} /bin/sh /app/init.sh\n";
        Assert.Equal("busybox", Assert.Single(new TopParser().Parse(table, new ParseContext()).OfType<TopProcess>()).Variant);
    }

    [Fact]
    public void The_variant_can_be_forced_through_the_context()
    {
        // A bare table with neither procps nor BusyBox columns is read as procps unless told.
        const string table =
            "  PID USER     %CPU COMMAND\n" +
            "    7 root     48.0 yes\n";
        Assert.Equal("procps", Assert.Single(new TopParser().Parse(table, new ParseContext()).OfType<TopProcess>()).Variant);

        var forced = new ParseContext { Variant = "BusyBox" };
        var row = Assert.Single(new TopParser().Parse(table, forced).OfType<TopProcess>());
        Assert.Equal("busybox", row.Variant);
        Assert.Equal(48.0, row.CPU);
        Assert.Empty(forced.Issues);

        var records = new TopParser().Parse(Fixtures.ReadText(Folder, "procps__capsule--top-b-n1.out"), new ParseContext { Variant = "busybox" }).ToList();
        Assert.Equal(8, records.Count);
        Assert.All(records, r => Assert.Equal("busybox", VariantOf(r)));

        var ex = Assert.Throws<CapsuleException>(() => new TopParser().Parse(table, new ParseContext { Variant = "toybox" }));
        Assert.Equal(CapsuleErrorKind.InvalidArgument, ex.Kind);
    }

    [Fact]
    public void Parser_info_describes_top()
    {
        var info = new TopParser().Info;
        Assert.Equal("top", info.Name);
        Assert.Equal("1.0.0", info.Version);
        Assert.Equal(new[] { "procps", "busybox" }, info.Variants);
        Assert.Equal(typeof(TopProcess), info.PrimaryRecordType);
        Assert.Equal(new[] { typeof(TopProcess), typeof(TopSummary) }, info.RecordTypes);
        Assert.True(ParserRegistry.TryGet("top", out var registered));
        Assert.IsType<TopParser>(registered);
    }

    // ---- units, decimal comma, scaled cells, TIME+ -------------------------------------------

    [Theory]
    [InlineData("10.3g", 11059540787L)]
    [InlineData("158.1m", 165779866L)]
    [InlineData("2.2m", 2306867L)]
    [InlineData("0.0m", 0L)]
    [InlineData("2268", 2322432L)]
    [InlineData("549516K", 562704384L)]
    [InlineData("1.5G", 1610612736L)]
    [InlineData("2t", 2199023255552L)]
    [InlineData("1p", 1125899906842624L)]
    [InlineData("1e", 1152921504606846976L)]
    [InlineData("158,1m", 165779866L)]
    [InlineData(" 125.1m ", 131176858L)]
    public void Size_cells_are_KiB_unless_suffixed(string cell, long bytes)
    {
        Assert.True(Units.TryParseSize(cell, Units.KiB, out var actual));
        Assert.Equal(bytes, actual);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("12x")]
    [InlineData("-5")]
    [InlineData("1,234.5")]
    [InlineData("1.2.3")]
    [InlineData("m")]
    [InlineData("99999999e")]
    public void Size_cells_that_are_not_sizes_are_refused(string cell)
    {
        Assert.False(Units.TryParseSize(cell, Units.KiB, out _));
        Assert.Null(Units.ParseSizeOrNull(cell, Units.KiB));
    }

    [Fact]
    public void Unit_words_and_suffixes_map_to_binary_multipliers()
    {
        Assert.True(Units.TryGetUnitMultiplier("MiB", out var mib));
        Assert.Equal(1L << 20, mib);
        Assert.True(Units.TryGetUnitMultiplier("EiB", out var eib));
        Assert.Equal(1L << 60, eib);
        Assert.False(Units.TryGetUnitMultiplier("MB", out _));
        Assert.True(Units.TryGetSuffixMultiplier('K', out var k));
        Assert.Equal(1024L, k);
        Assert.False(Units.TryGetSuffixMultiplier('x', out _));
        Assert.Equal(1048576L, Units.ParseSizeOrNull("1", Units.MiB));
    }

    [Theory]
    [InlineData("93,8", 93.8)]
    [InlineData("93.8", 93.8)]
    [InlineData("-0,5", -0.5)]
    [InlineData("100", 100.0)]
    public void Decimals_accept_a_point_or_a_comma(string text, double value)
    {
        Assert.True(Units.TryParseDouble(text, out var actual));
        Assert.Equal(value, actual, Tolerance);
    }

    [Theory]
    [InlineData("48%", 48.0)]
    [InlineData("  0%", 0.0)]
    [InlineData("4.8", 4.8)]
    [InlineData("12,5 %", 12.5)]
    public void Percentages_accept_an_optional_percent_sign(string text, double value)
    {
        Assert.True(Units.TryParsePercent(text, out var actual));
        Assert.Equal(value, actual, Tolerance);
        Assert.Equal(value, Units.ParsePercentOrNull(text)!.Value, Tolerance);
    }

    [Theory]
    [InlineData("1,234.5")]
    [InlineData("abc")]
    [InlineData("")]
    [InlineData("%")]
    public void Decimals_that_are_not_numbers_are_refused(string text)
    {
        Assert.False(Units.TryParseDouble(text, out _));
        Assert.False(Units.TryParsePercent(text, out _));
        Assert.Null(Units.ParseDoubleOrNull(text));
    }

    [Fact]
    public void Decimal_comma_output_parses_in_rows_and_summary()
    {
        const string text =
            "top - 15:35:41 up 2 days,  3:04,  1 user,  load average: 0,38, 0,37, 0,22\n" +
            "Tasks:   7 total,   2 running,   4 sleeping,   0 stopped,   1 zombie\n" +
            "%Cpu(s):  6,2 us,  0,0 sy,  0,0 ni, 93,8 id,  0,0 wa,  0,0 hi,  0,0 si,  0,0 st\n" +
            "MiB Mem :  24105,1 total,  23572,7 free,    395,8 used,    386,7 buff/cache\n" +
            "MiB Swap:      0,0 total,      0,0 free,      0,0 used.  23709,4 avail Mem\n" +
            "\n" +
            "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n" +
            "      7 root      20   0   10,3g 158,1m   2,2m R  93,8   0,7   0:16.82 /bin/sh /app/init.sh\n";
        var context = new ParseContext();
        var records = new TopParser().Parse(text, context).ToList();
        Assert.Empty(context.Issues);

        var s = Assert.IsType<TopSummary>(records[0]);
        Assert.Equal(new TimeSpan(2, 3, 4, 0), s.Uptime);
        Assert.Equal(1, s.Users);
        Assert.Equal(0.38, s.LoadAverage1!.Value, Tolerance);
        Assert.Equal(0.37, s.LoadAverage5!.Value, Tolerance);
        Assert.Equal(0.22, s.LoadAverage15!.Value, Tolerance);
        Assert.Equal(6.2, s.CpuUser!.Value, Tolerance);
        Assert.Equal(93.8, s.CpuIdle!.Value, Tolerance);
        Assert.Equal(25276029338L, s.MemoryTotal);
        Assert.Equal(24861107814L, s.MemoryAvailable);

        var p = Assert.IsType<TopProcess>(records[1]);
        Assert.Equal(93.8, p.CPU, Tolerance);
        Assert.Equal(0.7, p.MemoryPercent!.Value, Tolerance);
        Assert.Equal(11059540787L, p.VirtualMemory);
        Assert.Equal(165779866L, p.ResidentMemory);
        Assert.Equal(2306867L, p.SharedMemory);
    }

    [Theory]
    [InlineData("top - 10:00:00 up 11 min,  0 user,  load average: 0.00, 0.00, 0.00", 0, 0, 11)]
    [InlineData("top - 10:00:00 up  1:18,  2 users,  load average: 0.00, 0.01, 0.05", 0, 1, 18)]
    [InlineData("top - 10:00:00 up 2 days,  3:04,  2 users,  load average: 0.00, 0.00, 0.00", 2, 3, 4)]
    [InlineData("top - 10:00:00 up 5 days, 10 min,  3 users,  load average: 0.00, 0.00, 0.00", 5, 0, 10)]
    [InlineData("top - 10:00:00 up 1 day, 0 min,  1 user,  load average: 0.00, 0.00, 0.00", 1, 0, 0)]
    [InlineData("top - 10:00:00 up 400 days, 23:59,  1 user,  load average: 0.00, 0.00, 0.00", 400, 23, 59)]
    public void Uptime_forms_of_the_top_line(string line, int days, int hours, int minutes)
    {
        var context = new ParseContext();
        var s = Assert.IsType<TopSummary>(Assert.Single(new TopParser().Parse(line, context)));
        Assert.Empty(context.Issues);
        Assert.Equal(new TimeSpan(days, hours, minutes, 0), s.Uptime);
        Assert.Equal(new TimeSpan(10, 0, 0), s.Time);
    }

    [Theory]
    [InlineData("0:16.82", 0, 0, 0, 16, 820)]
    [InlineData("0:00.00", 0, 0, 0, 0, 0)]
    [InlineData("16:41.85", 0, 0, 16, 41, 850)]
    [InlineData("0:16", 0, 0, 0, 16, 0)]
    [InlineData("1234:56", 0, 20, 34, 56, 0)]
    [InlineData("12,34", 0, 12, 34, 0, 0)]
    [InlineData("1234,05", 51, 10, 5, 0, 0)]
    [InlineData("5h", 0, 5, 0, 0, 0)]
    [InlineData("3d", 3, 0, 0, 0, 0)]
    [InlineData("3d+4h", 3, 4, 0, 0, 0)]
    [InlineData("3D+4H", 3, 4, 0, 0, 0)]
    [InlineData("3d+4", 3, 4, 0, 0, 0)]
    [InlineData("2w", 14, 0, 0, 0, 0)]
    [InlineData("2w+3d", 17, 0, 0, 0, 0)]
    public void Time_plus_forms_of_procps(string cell, int days, int hours, int minutes, int seconds, int milliseconds)
    {
        Assert.True(TopParser.TryParseCpuTime(cell, out var value));
        Assert.Equal(new TimeSpan(days, hours, minutes, seconds, milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1:2")]
    [InlineData("1:60")]
    [InlineData("1:05.5")]
    [InlineData("12,5")]
    [InlineData("5x")]
    [InlineData("3h+2m")]
    [InlineData("3d+4d")]
    public void Time_plus_cells_that_are_not_times_are_refused(string cell)
    {
        Assert.False(TopParser.TryParseCpuTime(cell, out _));
    }

    [Fact]
    public void Scaled_TIME_plus_cells_parse_in_rows()
    {
        const string table =
            "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n" +
            "      1 root      20   0    2268   1224   1168 R  87.5   0.0   1234:56 a\n" +
            "      2 root      rt   0       0      0      0 S   0.0   0.0     12,34 b\n" +
            "      3 root     -51   0       0      0      0 I   0.0   0.0     3d+4h c\n" +
            "      4 root      20   0       0      0      0 S   0.0   0.0         ? d\n";
        var context = new ParseContext();
        var rows = new TopParser().Parse(table, context).OfType<TopProcess>().ToList();
        Assert.Empty(context.Issues);
        Assert.Equal(new TimeSpan(0, 20, 34, 56), rows[0].CpuTime);
        Assert.Equal(new TimeSpan(12, 34, 0), rows[1].CpuTime);
        Assert.Equal("rt", rows[1].Priority);
        Assert.Equal(new TimeSpan(3, 4, 0, 0), rows[2].CpuTime);
        Assert.Equal("-51", rows[2].Priority);
        Assert.Equal("I", rows[2].State);
        Assert.Null(rows[3].CpuTime);
    }

    [Fact]
    public void BusyBox_SMP_CPU_column_state_with_spaces_scaled_vsz_and_shifted_rows()
    {
        // Rows as BusyBox formats them: "%5u%6u %-8.8s %s  %.5s%4u%% %3d%4u%% " then the command line.
        const string text =
            "Mem: 549516K used, 24134148K free, 9652K shrd, 2308K buff, 317244K cached\n" +
            "CPU:  5.2% usr  0.0% sys  0.0% nic 94.8% idle  0.0% io  0.0% irq  0.0% sirq\n" +
            "Load average: 0.67 0.43 0.24 4/174 166\n" +
            "  PID  PPID USER     STAT   VSZ %VSZ CPU %CPU COMMAND\n" +
            " 1234     1 www-data S <   2268   0%   3  12% nginx: worker process\n" +
            "   42     2 root     SW<  12.3m   1%   0   0% [kworker/0:1H]\n" +
            "1234567     1 root     S     2268   0%   1   5% sh -c sleep 1\n";
        var context = new ParseContext();
        var records = new TopParser().Parse(text, context).ToList();
        Assert.Empty(context.Issues);

        var s = Assert.IsType<TopSummary>(records[0]);
        Assert.Equal(5.2, s.CpuUser!.Value, Tolerance);
        Assert.Equal(94.8, s.CpuIdle!.Value, Tolerance);

        var rows = records.OfType<TopProcess>().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal((1234, 1, "www-data", "S <", 2322432L, 0.0, 12.0, "nginx: worker process"),
            (rows[0].PID, rows[0].ParentPID, rows[0].User, rows[0].State, rows[0].VirtualMemory, rows[0].VirtualMemoryPercent, rows[0].CPU, rows[0].Command));
        Assert.Equal(("SW<", 12897485L, 1.0, 0.0, "[kworker/0:1H]"),
            (rows[1].State, rows[1].VirtualMemory, rows[1].VirtualMemoryPercent, rows[1].CPU, rows[1].Command));
        Assert.Equal((1234567, 1, "S", 2322432L, 5.0, "sh -c sleep 1"),
            (rows[2].PID, rows[2].ParentPID, rows[2].State, rows[2].VirtualMemory, rows[2].CPU, rows[2].Command));
        Assert.All(rows, r => Assert.Equal("busybox", r.Variant));
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static List<CapsuleRecord> Parse(string fixture) =>
        new TopParser().Parse(Fixtures.ReadText(Folder, fixture), new ParseContext()).ToList();

    private static List<TopProcess> ParseProcesses(string text, out ParseContext context)
    {
        context = new ParseContext();
        return new TopParser().Parse(text, context).OfType<TopProcess>().ToList();
    }

    private static string VariantOf(CapsuleRecord record) => record switch
    {
        TopProcess p => p.Variant,
        TopSummary s => s.Variant,
        _ => throw new InvalidOperationException(record.GetType().Name),
    };

    private sealed class Frame
    {
        public TopSummary? Summary { get; init; }

        public List<TopProcess> Processes { get; } = new();
    }

    private static List<Frame> SplitFrames(IEnumerable<CapsuleRecord> records)
    {
        var frames = new List<Frame>();
        foreach (var record in records)
        {
            switch (record)
            {
                case TopSummary s:
                    frames.Add(new Frame { Summary = s });
                    break;
                case TopProcess p:
                    if (frames.Count == 0)
                    {
                        frames.Add(new Frame());
                    }

                    frames[^1].Processes.Add(p);
                    break;
                default:
                    throw new InvalidOperationException("unexpected record type " + record.GetType().Name);
            }
        }

        return frames;
    }

    /// <summary>
    /// The record has the expected type and every one of its public properties (except Target and
    /// SourceLine) is listed in the expected object with an equal value.
    /// </summary>
    private static void AssertMatches(JsonElement expected, CapsuleRecord actual, string where)
    {
        var type = expected.GetProperty("type").GetString();
        Assert.Equal(type, actual.GetType().Name);

        foreach (var property in actual.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (IgnoredProperties.Contains(property.Name))
            {
                continue;
            }

            Assert.True(expected.TryGetProperty(property.Name, out var e), $"{where}: expected JSON lacks {type}.{property.Name}");
            var value = property.GetValue(actual);
            var label = $"{where}: {type} {DescribeKey(actual)} {property.Name}";

            FixtureValues.AssertValue(e, value, label);
        }
    }

    private static string DescribeKey(CapsuleRecord record) => record is TopProcess p ? "PID " + p.PID.ToString(CultureInfo.InvariantCulture) : string.Empty;
}
