using RunEscape.Catalog;
using RunEscape.Lifecycle;
using RunEscape.Security;

namespace RunEscape.Tests.Security;

public sealed class PolicyAndRedactionTests : IDisposable
{
    private const string DigestA = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string DigestB = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private readonly string _dir = Directory.CreateTempSubdirectory("runescape-policy-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData("runescape/capsule-procps:0.1.0", "docker.io", "runescape/capsule-procps", "0.1.0", null)]
    [InlineData("busybox", "docker.io", "library/busybox", null, null)]
    [InlineData("localhost:5000/tools/capsule-procps:1", "localhost:5000", "tools/capsule-procps", "1", null)]
    [InlineData("registry.example.com/t/ps@" + DigestA, "registry.example.com", "t/ps", null, DigestA)]
    [InlineData("registry.example.com/t/ps:2@" + DigestA, "registry.example.com", "t/ps", "2", DigestA)]
    [InlineData("localhost/runescape/x:0.1.0", "localhost", "runescape/x", "0.1.0", null)]
    public void Image_references_split_as_Docker_reads_them(string reference, string registry, string repository, string? tag, string? digest)
    {
        var r = ImageReference.TryParse(reference)!;
        Assert.Equal(registry, r.Registry);
        Assert.Equal(repository, r.Repository);
        Assert.Equal(tag, r.Tag);
        Assert.Equal(digest, r.Digest);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Upper/Case")]
    [InlineData("x@sha256:short")]
    [InlineData("x:bad tag")]
    [InlineData("../images/x")]
    public void Malformed_references_are_refused(string reference) => Assert.Null(ImageReference.TryParse(reference));

    private string Write(string json)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void The_allow_list_matches_whole_path_components()
    {
        var policy = CapsulePolicy.Load(Write("{\"allowedRegistries\":[\"registry.example.com/tools\", \"docker.io/runescape\"]}"));
        policy.Check(ImageReference.TryParse("registry.example.com/tools/capsule-procps:1")!, null, false, "ps");
        policy.Check(ImageReference.TryParse("runescape/capsule-procps:0.1.0")!, null, false, "ps");
        foreach (var refused in new[] { "registry.example.com/toolsmith/x:1", "registry.example.com.evil.io/tools/x:1", "busybox", "evil.io/docker.io/runescape/x" })
        {
            var ex = Assert.Throws<CapsuleException>(() => policy.Check(ImageReference.TryParse(refused)!, null, false, "ps"));
            Assert.Equal(CapsuleErrorKind.PolicyRejected, ex.Kind);
            Assert.Equal(refused, ex.Target);
            Assert.Contains("registry.example.com/tools", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Digest_pins_come_from_the_reference_the_catalog_or_the_policy()
    {
        var policy = CapsulePolicy.Load(Write($"{{\"requireDigest\":true,\"pins\":{{\"runescape/capsule-procps:0.1.0\":\"{DigestB}\"}}}}"));
        var pinnedByPolicy = ImageReference.TryParse("runescape/capsule-procps:0.1.0")!;
        Assert.Equal(DigestB, policy.PinFor(pinnedByPolicy, null));
        Assert.Equal(DigestA, policy.PinFor(pinnedByPolicy, DigestA));
        Assert.Equal(DigestA, policy.PinFor(ImageReference.TryParse("x/y@" + DigestA)!, null));
        var unpinned = ImageReference.TryParse("runescape/capsule-busybox:0.1.0")!;
        Assert.Null(policy.PinFor(unpinned, null));
        var ex = Assert.Throws<CapsuleException>(() => policy.Check(unpinned, null, false, "ls"));
        Assert.Equal(CapsuleErrorKind.PolicyRejected, ex.Kind);
        Assert.Contains("not pinned", ex.Message, StringComparison.Ordinal);
        policy.Check(pinnedByPolicy, DigestB, false, "ps");
    }

    [Fact]
    public void A_policy_file_forbids_privileged_unless_it_allows_it_and_no_file_allows_it()
    {
        Assert.Throws<CapsuleException>(() => CapsulePolicy.Load(Write("{}")).Check(ImageReference.TryParse("a/b:1")!, null, true, "ps"));
        CapsulePolicy.Load(Write("{\"allowPrivileged\":true}")).Check(ImageReference.TryParse("a/b:1")!, null, true, "ps");
        CapsulePolicy.Open.Check(ImageReference.TryParse("a/b:1")!, null, true, "ps");
    }

    [Theory]
    [InlineData("[]", null)]
    [InlineData("{\"allowedRegistry\":[]}", "allowedRegistry")]
    [InlineData("{\"allowedRegistries\":\"x\"}", "allowedRegistries")]
    [InlineData("{\"allowedRegistries\":[\"a b\"]}", "allowedRegistries")]
    [InlineData("{\"requireDigest\":\"yes\"}", "requireDigest")]
    [InlineData("{\"auditLog\":\"relative.jsonl\"}", "auditLog")]
    [InlineData("{\"pins\":{\"x:1\":\"sha256:abc\"}}", "pins")]
    [InlineData("{\"pins\":{\"x@" + DigestA + "\":\"" + DigestA + "\"}}", "pins")]
    public void Bad_policy_files_name_the_file_and_field(string json, string? field)
    {
        var path = Write(json);
        var ex = Assert.Throws<CapsuleException>(() => CapsulePolicy.Load(path));
        Assert.Equal(CapsuleErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal(path, ex.Target);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        if (field is not null)
        {
            Assert.Contains($"'{field}'", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Catalog_digests_are_validated_and_must_agree_with_the_reference()
    {
        string Entry(string image, string? digest) =>
            "{\"schemaVersion\":\"1.0\",\"utilities\":[{\"name\":\"x\",\"image\":\"" + image + "\",\"command\":[\"a\"],\"parser\":\"lines\"" + (digest is null ? string.Empty : ",\"digest\":\"" + digest + "\"") + "}]}";
        Assert.Equal(DigestA, CapsuleCatalog.Parse(Entry("a/b:1", DigestA), "c.json").Single().Digest);
        Assert.Contains("'digest'", Assert.Throws<CapsuleException>(() => CapsuleCatalog.Parse(Entry("a/b:1", "sha256:xyz"), "c.json")).Message, StringComparison.Ordinal);
        Assert.Contains("'digest'", Assert.Throws<CapsuleException>(() => CapsuleCatalog.Parse(Entry("a/b@" + DigestA, DigestB), "c.json")).Message, StringComparison.Ordinal);
        Assert.Contains("'image'", Assert.Throws<CapsuleException>(() => CapsuleCatalog.Parse(Entry("A/B", null), "c.json")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Secret_looking_names_and_urls_with_passwords_are_masked_NUL_separated()
    {
        var text = "PATH=/usr/bin\0API_TOKEN=abc\0DB_PASSWORD=pw\0aws_secret_access_key=k\0DATABASE_URL=postgres://app:hunter2@db/x\0PWD=/srv\0HOME_URL=https://example.com/\0EMPTY_KEY=\0";
        var redacted = SecretRedaction.RedactEnvironment(text, out var names);
        Assert.Equal("PATH=/usr/bin\0API_TOKEN=********\0DB_PASSWORD=********\0aws_secret_access_key=********\0DATABASE_URL=********\0PWD=/srv\0HOME_URL=https://example.com/\0EMPTY_KEY=\0", redacted);
        Assert.Equal(new[] { "API_TOKEN", "DATABASE_URL", "DB_PASSWORD", "aws_secret_access_key" }, names.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("hunter2", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_environ_entry_is_a_variable_whatever_its_name_and_common_forms_are_masked()
    {
        var text = "MY@TOKEN=leak1\01PASSWORD=leak2\0X PASSWORD=leak3\0\u00f1_SECRET=leak4\0DB_PASS=leak5\0GITHUB_URL=https://ghp_abc123@github.com/x\0DSN=https://u:pa/ss@host/db\0PASSIVE_MODE=on\0HOME_URL=https://example.com/a@b\0";
        var redacted = SecretRedaction.RedactEnvironment(text, out var names);
        for (var i = 1; i <= 5; i++)
        {
            Assert.DoesNotContain("leak" + i, redacted, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("ghp_abc123", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("pa/ss", redacted, StringComparison.Ordinal);
        Assert.Contains("PASSIVE_MODE=on", redacted, StringComparison.Ordinal);
        Assert.Contains("HOME_URL=https://example.com/a@b", redacted, StringComparison.Ordinal);
        Assert.Equal(7, names.Count);
        Assert.True(SecretRedaction.IsSecretName("MYSQL_PWD"));
        Assert.False(SecretRedaction.IsSecretName("COMPASS_HEADING"));
    }

    [Fact]
    public void References_normalise_docker_hub_spellings_and_refuse_bare_image_ids()
    {
        Assert.Equal("docker.io/runescape/capsule-procps", ImageReference.TryParse("index.docker.io/runescape/capsule-procps:0.1.0")!.FullName);
        Assert.Null(ImageReference.TryParse("2f3c1f5169ec"));
        Assert.Null(ImageReference.TryParse("2f3c1f5169ec5d3ce4db90d76f14057ff16c91ce3bb8e1178da493bdf79601a2"));
        Assert.NotNull(ImageReference.TryParse("2f3c1f5169ec:1"));
        var policy = CapsulePolicy.Load(Write($"{{\"pins\":{{\"docker.io/runescape/capsule-procps:0.1.0\":\"{DigestA}\"}}}}"));
        Assert.Equal(DigestA, policy.PinFor(ImageReference.TryParse("runescape/capsule-procps:0.1.0")!, null));
        Assert.Null(policy.PinFor(ImageReference.TryParse("runescape/capsule-procps:0.2.0")!, null));
    }

    [Fact]
    public void The_image_the_engine_resolved_must_be_allowed_by_one_of_its_names()
    {
        var policy = CapsulePolicy.Load(Write("{\"allowedRegistries\":[\"docker.io/runescape\"]}"));
        policy.CheckResolved("runescape/capsule-procps:0.1.0", new[] { "runescape/capsule-procps:0.1.0" }, "docker");
        var ex = Assert.Throws<CapsuleException>(() => policy.CheckResolved("runescape/capsule-procps:0.1.0", new[] { "localhost/runescape/capsule-procps:0.1.0" }, "podman"));
        Assert.Equal(CapsuleErrorKind.PolicyRejected, ex.Kind);
        Assert.Contains("localhost/runescape/capsule-procps", ex.Message, StringComparison.Ordinal);
        Assert.Throws<CapsuleException>(() => policy.CheckResolved("x", Array.Empty<string>(), "docker"));
        CapsulePolicy.Open.CheckResolved("x", Array.Empty<string>(), "docker");
    }

    [Fact]
    public void The_audit_log_must_be_an_absolute_path_and_not_a_symbolic_link()
    {
        Assert.Equal(CapsuleErrorKind.InvalidArgument, Assert.Throws<CapsuleException>(() => AuditLog.EnsureWritable("relative.jsonl")).Kind);
        var target = Path.Combine(_dir, "elsewhere.jsonl");
        var link = Path.Combine(_dir, "audit-link.jsonl");
        File.CreateSymbolicLink(link, target);
        Assert.Equal(CapsuleErrorKind.PermissionDenied, Assert.Throws<CapsuleException>(() => AuditLog.EnsureWritable(link)).Kind);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void A_masked_multi_line_value_loses_its_continuation_lines_newline_separated()
    {
        var text = "A=1\nTLS_PRIVATE_KEY=-----BEGIN KEY-----\nMIIEsecret\n-----END KEY-----\nB=2\n";
        var redacted = SecretRedaction.RedactEnvironment(text, out _);
        Assert.Equal("A=1\nTLS_PRIVATE_KEY=********\nB=2\n", redacted);
    }

    [Fact]
    public void The_audit_log_refuses_an_unwritable_path_and_appends_one_line_per_entry()
    {
        var ex = Assert.Throws<CapsuleException>(() => AuditLog.EnsureWritable(Path.Combine(_dir, "no-such-dir", "audit.jsonl")));
        Assert.Equal(CapsuleErrorKind.PermissionDenied, ex.Kind);
        var path = Path.Combine(_dir, "audit.jsonl");
        AuditLog.EnsureWritable(path);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        Parallel.For(0, 200, i => AuditLog.Append(path, new AuditEntry { Target = "t" + i, Argv = new[] { "a;b", "$(x)", "line\nbreak" }, Outcome = "succeeded" }));
        var lines = File.ReadAllLines(path);
        Assert.Equal(200, lines.Length);
        var targets = lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("target").GetString()).ToHashSet();
        Assert.Equal(200, targets.Count);
        Assert.Equal("line\nbreak", System.Text.Json.JsonDocument.Parse(lines[0]).RootElement.GetProperty("argv")[2].GetString());
    }
}
