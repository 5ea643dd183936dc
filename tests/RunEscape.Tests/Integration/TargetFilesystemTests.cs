using System.Formats.Tar;
using Docker.DotNet.Models;
using RunEscape.Catalog;
using RunEscape.Lifecycle;
using RunEscape.Parsers;
using RunEscape.Runtimes.Engine;

namespace RunEscape.Tests.Integration;

/// <summary>
/// df, du, mount and env report the TARGET (its filesystems, mount table and environment), not the
/// capsule; capsules run as the target's user. The same code runs on Docker Engine and Podman.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TargetFilesystemTests
{
    private const int BlobSize = 1024 * 1024;

    private static async Task<CapsuleResult> InvokeAsync(string engine, string utility, string target, params string[] args)
    {
        using var runtime = new EngineRuntime(TestEngines.Endpoint(engine));
        var invoker = new CapsuleInvoker(runtime, CapsuleCatalog.Builtin);
        var result = await invoker.InvokeAsync(new CapsuleRequest { Utility = utility, Target = target, ArgumentList = args }, CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"{utility} on {engine} exited {result.ExitCode}: {result.StandardError}");
        Assert.True(result.ParseIssues.Count == 0, $"{utility} on {engine}: " + string.Join(" | ", result.ParseIssues));
        Assert.All(result.Records, r => Assert.Equal(target, r.Target));
        return result;
    }

    /// <summary>A sample target with APP_MODE=prod, a tmpfs at /scratch and a 1 MiB file at /data/blob.bin.</summary>
    private static async Task<string> StartTargetAsync(string engine, string prefix, string? user = null)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        using var client = TestEngines.Client(engine);
        var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = name,
            Image = TestEngines.SampleImage,
            User = user ?? string.Empty,
            Env = new List<string> { "APP_MODE=prod", "GREETING=hello world" },
            Labels = new Dictionary<string, string> { ["io.runescape.test"] = "true" },
            HostConfig = new HostConfig { Tmpfs = new Dictionary<string, string> { ["/scratch"] = "size=8m" } },
        });
        await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());

        // The target has no shell: put the file in through the engine's archive API (docker cp).
        var blob = new byte[BlobSize];
        new Random(42).NextBytes(blob);
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "data/") { Mode = (UnixFileMode)0b111_101_101 });
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "data/blob.bin") { DataStream = new MemoryStream(blob), Mode = (UnixFileMode)0b110_100_100 });
        }

        tar.Position = 0;
        await client.Containers.ExtractArchiveToContainerAsync(created.ID, new CopyToContainerParameters { Path = "/" }, tar);
        return name;
    }

    private static async Task AssertNoCapsuleLeftAsync(string engine, string target)
    {
        var left = await TestEngines.CapsulesAsync(engine, target);
        Assert.True(left.Count == 0, $"capsules left on {engine} for {target}: {left.Count}");
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task Df_du_mount_and_env_report_the_target(string engine)
    {
        var target = await StartTargetAsync(engine, "it3b-fs");
        try
        {
            // du: the file put into the target, with its size and the path the target sees.
            var du = (await InvokeAsync(engine, "du", target, "-a", "/data")).Items.Cast<DiskUsage>().ToList();
            var blob = Assert.Single(du, d => d.Path == "/data/blob.bin");
            Assert.Equal(BlobSize, blob.Size);
            Assert.Contains(du, d => d.Path == "/data" && d.Size >= BlobSize);

            // df: the target's root filesystem (where the file is) and its tmpfs, named as the target names them.
            var df = (await InvokeAsync(engine, "df", target)).Items.Cast<DiskFree>().ToList();
            var root = Assert.Single(df, d => d.MountPoint == "/");
            Assert.Equal("overlay", root.Type);
            Assert.True(root.Size > 0 && root.Used >= BlobSize && root.Available > 0, $"root: {root.Size} {root.Used} {root.Available}");
            var scratch = Assert.Single(df, d => d.MountPoint == "/scratch");
            Assert.Equal("tmpfs", scratch.Type);
            Assert.Equal(8L * 1024 * 1024, scratch.Size);
            Assert.DoesNotContain(df, d => d.MountPoint.Contains("/proc/1/root", StringComparison.Ordinal));

            var inodes = (await InvokeAsync(engine, "df-inodes", target)).Items.Cast<DiskFree>().ToList();
            Assert.True(Assert.Single(inodes, d => d.MountPoint == "/").InodesUsed > 0);

            // mount: the target's mount table.
            var mounts = (await InvokeAsync(engine, "mount", target)).Items.Cast<MountEntry>().ToList();
            Assert.Equal("overlay", Assert.Single(mounts, m => m.MountPoint == "/").FileSystemType);
            var tmp = Assert.Single(mounts, m => m.MountPoint == "/scratch");
            Assert.Equal("tmpfs", tmp.FileSystemType);
            Assert.Contains("size=8192k", tmp.SuperOptions);

            // env: the target's main process environment.
            var env = (await InvokeAsync(engine, "env", target)).Items.Cast<EnvironmentVariable>().ToList();
            Assert.Equal("prod", Assert.Single(env, e => e.Name == "APP_MODE").Value);
            Assert.Equal("hello world", Assert.Single(env, e => e.Name == "GREETING").Value);
            Assert.Equal("/usr/bin", Assert.Single(env, e => e.Name == "PATH").Value);

            // ls and cat: the target's files, named as the target names them.
            var ls = (await InvokeAsync(engine, "ls", target, "/data")).Items.Cast<FileEntry>().ToList();
            var listed = Assert.Single(ls, f => f.Path == "/data/blob.bin");
            Assert.Equal(("File", (long?)BlobSize, "-rw-r--r--"), (listed.Type, listed.Size, listed.Mode));
            Assert.NotNull(listed.Modified);
            var jobs = (await InvokeAsync(engine, "cat", target, "/etc/sample/jobs")).Items.Cast<GenericRecord>().Select(r => (string?)r["Line"]).ToList();
            Assert.Equal(new[] { "md5sum /dev/zero", "sleep 100000", "sleep 99999" }, jobs);
            await AssertNoCapsuleLeftAsync(engine, target);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task A_run_as_non_root_target_gets_capsules_that_run_as_its_user(string engine)
    {
        var target = await StartTargetAsync(engine, "it3b-user", user: "1000");
        try
        {
            var env = await InvokeAsync(engine, "env", target);
            Assert.Equal("1000", env.User);
            Assert.Equal("prod", Assert.Single(env.Items.Cast<EnvironmentVariable>(), e => e.Name == "APP_MODE").Value);

            var du = (await InvokeAsync(engine, "du", target, "/data/blob.bin")).Items.Cast<DiskUsage>();
            Assert.Equal(BlobSize, Assert.Single(du).Size);
            Assert.Contains((await InvokeAsync(engine, "df", target)).Items.Cast<DiskFree>(), d => d.MountPoint == "/scratch");

            // top lists the capsule's own processes too (same PID namespace): all of them run as 1000.
            var top = await InvokeAsync(engine, "top", target);
            Assert.Equal("1000", top.User);
            var processes = top.Items.Cast<TopProcess>().ToList();
            Assert.Contains(processes, p => p.Command.StartsWith("top ", StringComparison.Ordinal));
            Assert.All(processes, p => Assert.Equal("1000", p.User));
            await AssertNoCapsuleLeftAsync(engine, target);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }
    }

    [Theory]
    [MemberData(nameof(TestEngines.Names), MemberType = typeof(TestEngines))]
    public async Task A_target_user_given_by_name_is_refused_before_a_capsule_is_created(string engine)
    {
        var target = await StartTargetAsync(engine, "it3b-named", user: "root:root");
        try
        {
            // root by name is fine: every capsule image has it.
            Assert.Equal("root:root", (await InvokeAsync(engine, "env", target)).User);
        }
        finally
        {
            await TestEngines.RemoveAsync(engine, target);
        }

        // Another name is refused before anything is created: the capsule image has no passwd entry for it.
        var info = new Targets.CapsuleTargetInfo("id", "web", "img", "running", true, "private", engine, "unix:///x", "appuser");
        var ex = Assert.Throws<CapsuleException>(() => CapsuleInvoker.CapsuleUser(info));
        Assert.Equal(CapsuleErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("web", ex.Target);
        Assert.Contains("appuser", ex.Message, StringComparison.Ordinal);
    }
}
