using System.Collections;
using System.Globalization;
using System.Text.Json;
using RunEscape.Parsers;
using RunEscape.Parsing;

namespace RunEscape.Tests.Parsers;

/// <summary>
/// Fixture pairs for df, du, mount and env: every tests/fixtures/&lt;parser&gt;/&lt;variant&gt;__&lt;name&gt;.out
/// against its .json (written from the text by tests/tools/expected_disk_fixtures.py, an independent
/// reading), plus the facts of the captured targets spelled out by hand.
/// </summary>
public class DiskAndEnvParserTests
{
    private static readonly string[] Folders = { "df", "du", "mount", "env", "table", "keyvalue", "json", "lines", "ls" };

    public static TheoryData<string, string> FixturePairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var folder in Folders)
        {
            foreach (var name in Fixtures.List(folder, "*.out"))
            {
                data.Add(folder, name);
            }
        }

        return data;
    }

    [Fact]
    public void Every_variant_of_every_parser_has_a_fixture_pair()
    {
        foreach (var folder in Folders)
        {
            var parser = ParserRegistry.Get(folder);
            var outs = Fixtures.List(folder, "*.out");
            foreach (var variant in parser.Info.Variants)
            {
                Assert.True(outs.Any(o => o.StartsWith(variant + "__", StringComparison.Ordinal)), $"{folder}: no fixture for variant {variant}");
            }

            foreach (var name in outs)
            {
                Assert.True(File.Exists(Fixtures.PathOf(folder, Path.ChangeExtension(name, ".json"))), $"{folder}/{name} has no .json");
                Assert.Contains(name[..name.IndexOf("__", StringComparison.Ordinal)], parser.Info.Variants);
            }
        }
    }

    [Theory]
    [MemberData(nameof(FixturePairs))]
    public void Fixture_parses_to_the_expected_records(string folder, string name)
    {
        var text = Fixtures.ReadText(folder, name);
        using var expected = JsonDocument.Parse(Fixtures.ReadText(folder, Path.ChangeExtension(name, ".json")));
        var root = expected.RootElement;
        var variant = name[..name.IndexOf("__", StringComparison.Ordinal)];

        // du output cannot tell KiB from bytes: the bytes variant is chosen by the caller.
        var context = new ParseContext { Variant = folder == "du" && variant == DuParser.BytesVariant ? variant : null };
        var records = ParserRegistry.Get(folder).Parse(text, context).ToList();

        Assert.True(root.GetProperty("issues").GetInt32() == context.Issues.Count, $"{name}: issues: " + string.Join(" | ", context.Issues));
        var expectedRecords = root.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(expectedRecords.Count, records.Count);
        for (var i = 0; i < records.Count; i++)
        {
            AssertMatches(expectedRecords[i], records[i], $"{folder}/{name} record {i}");
            var source = records[i].SourceLine;
            Assert.False(source is null || (source.Length == 0 && folder != "lines"), $"{name} record {i} has no source line");
            Assert.Contains(source!, text, StringComparison.Ordinal);
        }

        var variantProperty = records.FirstOrDefault()?.GetType().GetProperty("Variant");
        if (variantProperty is not null)
        {
            Assert.All(records, r => Assert.Equal(variant, variantProperty.GetValue(r)));
        }
    }

    [Theory]
    [InlineData("df")]
    [InlineData("du")]
    [InlineData("mount")]
    [InlineData("env")]
    [InlineData("ls")]
    [InlineData("table")]
    [InlineData("keyvalue")]
    [InlineData("json")]
    [InlineData("lines")]
    public void No_data_gives_no_records_and_no_issue(string parser)
    {
        foreach (var text in new[] { string.Empty, "\n", "  \n\n", "\0" })
        {
            var context = new ParseContext();
            Assert.Empty(ParserRegistry.Get(parser).Parse(text, context));
            Assert.Empty(context.Issues);
        }
    }

    [Theory]
    [InlineData("df", "Filesystem     1K-blocks  Used Available Use% Mounted on\ngarbage here\ntmpfs 100 1 99 1% /run\nshm 64 0 64 0% /dev/shm\n", "garbage here")]
    [InlineData("du", "4\t/a\nnot a size\n8\t/b\n", "not a size")]
    [InlineData("mount", "proc on /proc type proc (rw)\nwhat is this\ntmpfs on /run type tmpfs (ro,nosuid)\n", "what is this")]
    [InlineData("env", "? not a variable\nA=1\nB=2\n", "? not a variable")]
    [InlineData("ls", "-rw-r--r-- 1 root root 10 2026-12-03 15:57:46 +0000 a\nno entry here\n-rw-r--r-- 1 root root 12 Dec  3 16:51 b c\n", "no entry here")]
    [InlineData("table", "A B C\n1 2 3\nshort\n4 5 6 7\n", "short")]
    [InlineData("keyvalue", "a=1\nno separator\nb: 2\n", "no separator")]
    [InlineData("json", "{\"a\":1}\n{broken\n[2]\n", "{broken")]
    public void An_unexpected_line_is_an_issue_and_the_rest_still_parses(string parser, string text, string bad)
    {
        var context = new ParseContext();
        var records = ParserRegistry.Get(parser).Parse(text, context).ToList();
        var issue = Assert.Single(context.Issues);
        Assert.Equal(bad, issue.Line);
        Assert.Equal(2, records.Count);
    }

    // ---- the captured targets, spelled out ---------------------------------------------------

    [Fact]
    public void Target_df_names_the_targets_mount_points_not_the_capsules()
    {
        var records = Parse<DiskFree>("df", "coreutils__target-df-kT.out");
        var root = Assert.Single(records, r => r.MountPoint == "/");
        Assert.Equal("overlay", root.Filesystem);
        Assert.Equal("overlay", root.Type);
        Assert.Equal(264212084L * 1024, root.Size);
        Assert.Equal(14602544L * 1024, root.Used);
        Assert.Equal(82175428L * 1024, root.Available);
        Assert.Equal(16.0, root.UsePercent);

        // The target was created with --tmpfs /scratch; the capsule has no /scratch of its own.
        var scratch = Assert.Single(records, r => r.MountPoint == "/scratch");
        Assert.Equal("tmpfs", scratch.Type);
        Assert.Equal(12341832L * 1024, scratch.Size);
        Assert.DoesNotContain(records, r => r.MountPoint.StartsWith("/proc/1/root", StringComparison.Ordinal));
    }

    [Fact]
    public void Inode_tables_of_both_variants_fill_the_inode_properties()
    {
        var gnu = Parse<DiskFree>("df", "coreutils__target-df-iT.out");
        var root = Assert.Single(gnu, r => r.MountPoint == "/");
        Assert.Equal((16777216L, 425348L, 16351868L, 3.0), (root.Inodes!.Value, root.InodesUsed!.Value, root.InodesFree!.Value, root.InodesUsePercent!.Value));
        Assert.Null(root.Size);

        var busybox = Parse<DiskFree>("df", "busybox__capsule-df-i.out");
        var bbRoot = Assert.Single(busybox, r => r.MountPoint == "/");
        Assert.Equal((16777216L, 425432L, 16351784L, 3.0), (bbRoot.Inodes!.Value, bbRoot.InodesUsed!.Value, bbRoot.InodesFree!.Value, bbRoot.InodesUsePercent!.Value));
        Assert.Null(bbRoot.Used);
    }

    [Fact]
    public void Human_sizes_are_binary_and_a_dash_is_null()
    {
        var bb = Parse<DiskFree>("df", "busybox__capsule-df-h.out");
        Assert.Equal(67108864L, bb.First(r => r.MountPoint == "/dev").Size);       // 64.0M
        Assert.Equal(270582939648L, bb.First(r => r.MountPoint == "/").Size);      // 252.0G
        var longFs = Parse<DiskFree>("df", "coreutils__jc-generic-df-long-filesystem.out");
        Assert.Equal("/dev/mapper/VolGroup00-LogVol00", longFs[0].Filesystem);
        Assert.Equal(6030784L * 1024, longFs[0].Size);                            // 1024-blocks
        Assert.Null(longFs[1].UsePercent);

        // LANG=de_DE: translated headers, a decimal comma, a mount point with a space.
        var german = Parse<DiskFree>("df", "coreutils__host-de_DE-df-h.out");
        var small = Assert.Single(german, r => r.MountPoint == "/tmp/i3b/klein platte");
        Assert.Equal(1572864L, small.Size);       // 1,5M
        Assert.Equal(296L * 1024, small.Used);    // 296K
        Assert.Equal(1258291L, small.Available);  // 1,2M = 1258291.2
        Assert.Equal(20.0, small.UsePercent);
        var germanInodes = Parse<DiskFree>("df", "coreutils__host-de_DE-df-i.out");
        Assert.Equal((3085458L, 2L, 3085456L), (germanInodes[1].Inodes!.Value, germanInodes[1].InodesUsed!.Value, germanInodes[1].InodesFree!.Value));
        Assert.Equal("tmpfs", Parse<DiskFree>("df", "coreutils__host-de_DE-df-Tk.out")[1].Type);
    }

    [Fact]
    public void Du_of_the_target_shows_the_known_file_with_its_size_and_target_path()
    {
        var records = Parse<DiskUsage>("du", "busybox__target-du-a.out");
        var blob = Assert.Single(records, r => r.Path == "/data/my blob.bin");
        Assert.Equal(1048576L, blob.Size);
        Assert.Equal(1028L * 1024, Assert.Single(records, r => r.Path == "/data").Size);
    }

    [Fact]
    public void Mountinfo_decodes_escaped_mount_points_and_keeps_the_mountinfo_fields()
    {
        var records = Parse<MountEntry>("mount", "mountinfo__podman-target-space.out");
        var spaced = Assert.Single(records, r => r.MountPoint == "/my data");
        Assert.Equal("tmpfs", spaced.FileSystemType);
        Assert.Equal(239, spaced.MountId);
        Assert.Equal(232, spaced.ParentId);
        Assert.Equal("0:68", spaced.Device);
        Assert.Equal(new[] { "rw", "nosuid", "nodev", "relatime" }, spaced.Options);
        Assert.False(spaced.ReadOnly);

        var docker = Parse<MountEntry>("mount", "mountinfo__docker-target.out");
        Assert.Equal("overlay", Assert.Single(docker, r => r.MountPoint == "/").FileSystemType);
        Assert.Equal("tmpfs", Assert.Single(docker, r => r.MountPoint == "/scratch").FileSystemType);
        Assert.True(Assert.Single(docker, r => r.MountPoint == "/sys").ReadOnly);
    }

    [Fact]
    public void Mount_output_with_spaces_and_parentheses()
    {
        var spaces = Parse<MountEntry>("mount", "mount__jc-generic-mount-spaces-in-mountpoint.out");
        Assert.Equal("/media/ingo/Ubuntu 22.04.3 LTS amd64", spaces[0].MountPoint);
        Assert.Equal("iso9660", spaces[0].FileSystemType);
        Assert.True(spaces[0].ReadOnly);

        var file = Parse<MountEntry>("mount", "mount__jc-generic-mount-spaces-in-filename.out");
        Assert.Equal("//10.100.1.237/Bilder und Videos", file[0].Source);
        Assert.Equal("cifs", file[0].FileSystemType);

        var parens = Parse<MountEntry>("mount", "mount__jc-generic-mount-parens-in-filesystem.out");
        var nfs = Assert.Single(parens, r => r.FileSystemType == "nfs");
        Assert.Equal("MN - mydomain.com (ftp.mydomain.com):/", nfs.Source);
        Assert.Equal("/Users/muescha/Library/Application Support/Mountain Duck/Volumes.noindex/MN - mydomain.com.localized", nfs.MountPoint);
    }

    [Fact]
    public void Environ_and_env_give_name_value_records_with_multi_line_values()
    {
        var environ = Parse<EnvironmentVariable>("env", "environ__docker-target.out");
        Assert.Equal(new[] { "PATH", "HOSTNAME", "APP_MODE", "HOME" }, environ.Select(e => e.Name));
        Assert.Equal("prod", environ.Single(e => e.Name == "APP_MODE").Value);

        var multi = Parse<EnvironmentVariable>("env", "env__jc-generic-env-multiline.out");
        Assert.Equal("This is a multiline\nvariable that has var=1 a definition\ninside of it", multi.Single(e => e.Name == "KELLYVAR").Value);
        Assert.Equal("hello world", multi.Single(e => e.Name == "MYVAR").Value);

        var bb = Parse<EnvironmentVariable>("env", "env__busybox-env-multiline.out");
        Assert.Equal("line one\nline two", bb.Single(e => e.Name == "MULTI").Value);
        Assert.Equal("/root", bb[^1].Value);
    }

    [Fact]
    public void Ls_of_the_target_gives_names_types_sizes_owners_and_times()
    {
        var bb = Parse<FileEntry>("ls", "busybox__target-ls-la-full-time.out");
        var blob = Assert.Single(bb, e => e.Path == "/data/my blob.bin");
        Assert.Equal(("my blob.bin", "File", 1048576L, "root"), (blob.Name, blob.Type, blob.Size!.Value, blob.Owner));
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 16, 20, 5, TimeSpan.Zero), blob.Modified);
        var devNull = Assert.Single(bb, e => e.Path == "/dev/null");
        Assert.Equal(("CharacterDevice", 1, 3), (devNull.Type, devNull.DeviceMajor!.Value, devNull.DeviceMinor!.Value));
        Assert.Null(devNull.Size);

        var gnu = Parse<FileEntry>("ls", "coreutils__capsule-ls-la-full-time.out");
        var mtab = Assert.Single(gnu, e => e.Name == "mtab");
        Assert.Equal(("SymbolicLink", "/proc/mounts", "/etc/mtab"), (mtab.Type, mtab.LinkTarget!, mtab.Path));
        Assert.NotNull(mtab.Modified);
        Assert.Equal("coreutils", mtab.Variant);

        var shortTimes = Parse<FileEntry>("ls", "coreutils__capsule-ls-la.out");
        Assert.All(shortTimes, e => Assert.Null(e.Modified));
        Assert.Equal("/proc/self/fd", Assert.Single(shortTimes, e => e.Path == "/dev/fd").LinkTarget);
    }

    private static List<T> Parse<T>(string folder, string name)
        where T : CapsuleRecord
    {
        var context = new ParseContext();
        var records = ParserRegistry.Get(folder).Parse(Fixtures.ReadText(folder, name), context).Cast<T>().ToList();
        Assert.Empty(context.Issues);
        return records;
    }

    private static void AssertMatches(JsonElement expected, object actual, string where)
    {
        foreach (var p in expected.EnumerateObject())
        {
            object? value;
            if (actual is GenericRecord generic)
            {
                Assert.True(generic.Fields.Any(f => f.Key == p.Name), $"{where}: no field {p.Name}");
                value = generic[p.Name];
            }
            else
            {
                var prop = actual.GetType().GetProperty(p.Name) ?? throw new InvalidOperationException($"{where}: no property {p.Name}");
                value = prop.GetValue(actual);
            }

            switch (p.Value.ValueKind)
            {
                case JsonValueKind.Null:
                    Assert.True(value is null, $"{where}.{p.Name}: expected null, got {value}");
                    break;
                case JsonValueKind.String:
                    Assert.True(p.Value.GetString() == (string?)value, $"{where}.{p.Name}: expected '{p.Value.GetString()}', got '{value}'");
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    Assert.True(value is bool b && p.Value.GetBoolean() == b, $"{where}.{p.Name}: expected {p.Value.GetRawText()}, got {value}");
                    break;
                case JsonValueKind.Number:
                    Assert.NotNull(value);
                    var a = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                    Assert.True(Math.Abs(p.Value.GetDouble() - a) < 1e-9, $"{where}.{p.Name}: expected {p.Value.GetRawText()}, got {value}");
                    if (value is long l)
                    {
                        Assert.Equal(p.Value.GetInt64(), l);
                    }

                    break;
                case JsonValueKind.Array:
                    var list = ((IEnumerable)value!).Cast<object>().Select(o => o.ToString()).ToList();
                    Assert.True(p.Value.EnumerateArray().Select(e => e.GetString()).SequenceEqual(list), $"{where}.{p.Name}: expected {p.Value.GetRawText()}, got [{string.Join(",", list)}]");
                    break;
            }
        }
    }
}
