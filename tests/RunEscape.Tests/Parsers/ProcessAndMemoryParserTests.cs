using RunEscape.Parsers;
using RunEscape.Parsing;

namespace RunEscape.Tests.Parsers;

/// <summary>Behaviour of the ps, free, uptime, vmstat, meminfo and loadavg parsers beyond their fixtures.</summary>
public class ProcessAndMemoryParserTests
{
    [Fact]
    public void Ps_bad_row_is_reported_and_the_rest_parses()
    {
        const string text =
            "    PID USER     COMMAND\n" +
            "      1 root     sleep 1\n" +
            "   oops root     not a pid\n" +
            "      2 root     sleep 2\n";
        var context = new ParseContext();
        var rows = new PsParser().Parse(text, context).Cast<PsProcess>().ToList();
        Assert.Equal(new[] { 1, 2 }, rows.Select(r => r.PID));
        var issue = Assert.Single(context.Issues);
        Assert.Equal(3, issue.LineNumber);
        Assert.Equal("   oops root     not a pid", issue.Line);
        Assert.Equal("      2 root     sleep 2", rows[1].SourceLine);
    }

    [Fact]
    public void Ps_a_command_mentioning_PID_is_a_row_and_a_repeated_header_is_skipped()
    {
        const string text =
            "USER         PID COMMAND\n" +
            "root           5 grep PID USER\n" +
            "USER         PID COMMAND\n" +
            "app            6 sleep 9\n";
        var context = new ParseContext();
        var rows = new PsParser().Parse(text, context).Cast<PsProcess>().ToList();
        Assert.Empty(context.Issues);
        Assert.Equal(new[] { "grep PID USER", "sleep 9" }, rows.Select(r => r.Command));
    }

    [Fact]
    public void Ps_command_first_and_lstart_with_blanks()
    {
        const string text =
            "COMMAND                         PID                  STARTED USER\n" +
            "nginx: worker process (a:b)      12 Thu Dec  3 16:13:00 2026 www-data\n";
        var context = new ParseContext();
        var p = Assert.Single(new PsParser().Parse(text, context).Cast<PsProcess>());
        Assert.Empty(context.Issues);
        Assert.Equal("nginx: worker process (a:b)", p.Command);
        Assert.Equal(12, p.PID);
        Assert.Equal("Thu Dec  3 16:13:00 2026", p.StartTime);
        Assert.Equal("www-data", p.User);
    }

    [Fact]
    public void Ps_forced_variant_wins_over_detection()
    {
        const string text = "PID   USER     COMMAND\n    1 root     sleep 1\n";
        Assert.Equal("busybox", Assert.Single(new PsParser().Parse(text, new ParseContext()).Cast<PsProcess>()).Variant);
        Assert.Equal("procps", Assert.Single(new PsParser().Parse(text, new ParseContext { Variant = "procps" }).Cast<PsProcess>()).Variant);
    }

    [Theory]
    [InlineData("1:02:03", 0, 1, 2, 3)]
    [InlineData("2-03:04:05", 2, 3, 4, 5)]
    [InlineData("123:45", 0, 2, 3, 45)]
    [InlineData("00:07", 0, 0, 0, 7)]
    public void Ps_time_forms(string cell, int d, int h, int m, int s)
    {
        var text = "    PID     TIME     ELAPSED CMD\n      1 " + cell.PadLeft(8) + " " + cell.PadLeft(11) + " x\n";
        var p = Assert.Single(new PsParser().Parse(text, new ParseContext()).Cast<PsProcess>());
        Assert.Equal(new TimeSpan(d, h, m, s), p.CpuTime);
        Assert.Equal(new TimeSpan(d, h, m, s), p.Elapsed);
    }

    [Theory]
    [InlineData("-b", 1024L)]
    [InlineData("procps -m", 1024L * 1024 * 1024)]
    [InlineData("busybox --kilo", 1024L * 1000)]
    public void Free_unit_comes_from_the_variant(string variant, long expectedTotal)
    {
        const string text = "              total        used        free\nMem:           1024           0        1024\n";
        var row = Assert.Single(new FreeParser().Parse(text, new ParseContext { Variant = variant }).Cast<FreeMemory>());
        Assert.Equal(expectedTotal, row.Total);
    }

    [Fact]
    public void Free_refuses_an_unknown_option_in_the_variant()
    {
        var ex = Assert.Throws<CapsuleException>(() => new FreeParser().Parse("x", new ParseContext { Variant = "procps -z" }));
        Assert.Equal(CapsuleErrorKind.InvalidArgument, ex.Kind);
    }

    [Fact]
    public void Free_bad_cell_is_reported_and_the_rest_parses()
    {
        const string text = "              total        used        free\nMem:           12x           0        1024\nSwap:             0           0           0\n";
        var context = new ParseContext();
        var row = Assert.Single(new FreeParser().Parse(text, context).Cast<FreeMemory>());
        Assert.Equal("Swap", row.Kind);
        Assert.Equal(2, Assert.Single(context.Issues).LineNumber);
    }

    [Fact]
    public void Uptime_unreadable_line_is_reported()
    {
        var context = new ParseContext();
        var records = new UptimeParser().Parse(" 10:00:00 up 5 parsecs,  1 user,  load average: x, y, z\n 10:00:00 up 5 min,  1 user,  load average: 0.10, 0.20, 0.30\n", context).ToList();
        Assert.Single(records);
        Assert.Equal(1, Assert.Single(context.Issues).LineNumber);
    }

    [Fact]
    public void Vmstat_repeated_headers_and_a_disk_table_line()
    {
        const string text =
            "procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----\n" +
            " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st\n" +
            " 1  0      0   1000      0      0    0    0     0     0    1    1  1  1 98  0  0\n" +
            "procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----\n" +
            " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st\n" +
            " 2  0      0   2000      0      0    0    0     0     0    1    1  1  1 98  0  0\n" +
            "sda   1 2 3 4 5 6 7 8 9 10\n";
        var context = new ParseContext();
        var samples = new VmstatParser().Parse(text, context).Cast<VmstatSample>().ToList();
        Assert.Equal(new[] { 0, 1 }, samples.Select(s => s.Sample));
        Assert.Equal(2000L * 1024, samples[1].MemoryFree);
        Assert.Equal(7, Assert.Single(context.Issues).LineNumber);
    }

    [Fact]
    public void Meminfo_and_loadavg_report_bad_lines()
    {
        var context = new ParseContext();
        var info = Assert.IsType<MemInfo>(Assert.Single(new MemInfoParser().Parse("MemTotal: 10 kB\nbroken\nHugePages_Total: 3\n", context)));
        Assert.Equal(10240L, info.MemTotal);
        Assert.Equal(3L, info.HugePagesTotal);
        Assert.Equal(2, Assert.Single(context.Issues).LineNumber);

        context = new ParseContext();
        Assert.Empty(new LoadAverageParser().Parse("0.1 0.2 0.3 1/2\n", context));
        Assert.Single(context.Issues);
    }

    [Fact]
    public void Source_line_is_cut_lazily_and_can_be_replaced()
    {
        var p = new PsProcess();
        p.SetSource("abc\ndef\n", 4, 3);
        Assert.Equal("def", p.SourceLine);
        Assert.Same(p.SourceLine, p.SourceLine);
        p.SourceLine = "x";
        Assert.Equal("x", p.SourceLine);
        Assert.Throws<ArgumentOutOfRangeException>(() => p.SetSource("abc", 2, 5));
    }
}
