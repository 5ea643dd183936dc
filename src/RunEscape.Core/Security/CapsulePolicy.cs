using System.Text.Json;

namespace RunEscape.Security;

/// <summary>
/// What an administrator allows capsules to be: which registries their images may come from,
/// whether images must be pinned by digest, whether -Privileged is allowed, and where every
/// invocation is audited. Read from the JSON file named by $RUNESCAPE_POLICY, else
/// /etc/runescape/policy.json; with neither, everything is allowed and nothing is audited
/// (unless $RUNESCAPE_AUDIT_LOG names a log).
/// </summary>
public sealed class CapsulePolicy
{
    public const string PathVariable = "RUNESCAPE_POLICY";
    public const string AuditLogVariable = "RUNESCAPE_AUDIT_LOG";
    public const string MachinePolicyPath = "/etc/runescape/policy.json";

    private static readonly string[] KnownFields = { "schemaVersion", "allowedRegistries", "requireDigest", "allowPrivileged", "auditLog", "pins" };

    /// <summary>No policy file: every registry, no pinning, -Privileged allowed (behind confirmation).</summary>
    public static CapsulePolicy Open { get; } = new() { AllowPrivileged = true };

    /// <summary>The file the policy came from; null for <see cref="Open"/>.</summary>
    public string? Source { get; init; }

    /// <summary>registry[/path] prefixes an image's registry/repository must start with; empty: any.</summary>
    public IReadOnlyList<string> AllowedRegistries { get; init; } = Array.Empty<string>();

    /// <summary>Every capsule image must be pinned by a sha256 digest.</summary>
    public bool RequireDigest { get; init; }

    /// <summary>-Privileged may be used. A policy file that does not say so forbids it.</summary>
    public bool AllowPrivileged { get; init; }

    /// <summary>JSON-lines audit log every invocation is appended to; null: none.</summary>
    public string? AuditLog { get; init; }

    /// <summary>Digests for image references (as resolved, without digest): pins built-in images without editing the catalog.</summary>
    public IReadOnlyDictionary<string, string> Pins { get; init; } = new Dictionary<string, string>();

    /// <summary>The policy in force: $RUNESCAPE_POLICY, else the machine file, else <see cref="Open"/>; $RUNESCAPE_AUDIT_LOG applies when the policy names no log.</summary>
    public static CapsulePolicy Current()
    {
        var path = Environment.GetEnvironmentVariable(PathVariable);
        CapsulePolicy policy;
        if (!string.IsNullOrEmpty(path))
        {
            if (!File.Exists(path))
            {
                throw new CapsuleException(
                    CapsuleErrorKind.InvalidArgument,
                    $"${PathVariable} names the policy file '{path}', which does not exist.",
                    path,
                    $"Point ${PathVariable} at a policy file, or remove the variable.");
            }

            policy = Load(path);
        }
        else
        {
            policy = File.Exists(MachinePolicyPath) ? Load(MachinePolicyPath) : Open;
        }

        var log = Environment.GetEnvironmentVariable(AuditLogVariable);
        return policy.AuditLog is null && !string.IsNullOrEmpty(log) ? policy.WithAuditLog(log) : policy;
    }

    private CapsulePolicy WithAuditLog(string log) => new()
    {
        Source = Source,
        AllowedRegistries = AllowedRegistries,
        RequireDigest = RequireDigest,
        AllowPrivileged = AllowPrivileged,
        AuditLog = log,
        Pins = Pins,
    };

    /// <summary>Reads and validates a policy file; a bad file names the field at fault.</summary>
    public static CapsulePolicy Load(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, null, $"cannot be read as JSON: {ex.Message}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(path, null, "must be a JSON object.");
            }

            foreach (var p in root.EnumerateObject())
            {
                if (!KnownFields.Contains(p.Name, StringComparer.Ordinal))
                {
                    throw Invalid(path, p.Name, $"is not a policy field (known: {string.Join(", ", KnownFields)}).");
                }
            }

            var registries = new List<string>();
            if (root.TryGetProperty("allowedRegistries", out var r))
            {
                if (r.ValueKind != JsonValueKind.Array)
                {
                    throw Invalid(path, "allowedRegistries", "must be an array of registry[/path] prefixes.");
                }

                foreach (var e in r.EnumerateArray())
                {
                    var s = e.ValueKind == JsonValueKind.String ? e.GetString()!.Trim().TrimEnd('/').ToLowerInvariant() : string.Empty;
                    if (s.Length == 0 || s.Contains('@', StringComparison.Ordinal) || s.Any(char.IsWhiteSpace))
                    {
                        throw Invalid(path, "allowedRegistries", $"holds '{e}', which is not a registry[/path] prefix such as registry.example.com/tools.");
                    }

                    registries.Add(s);
                }
            }

            var pins = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("pins", out var pinElement))
            {
                if (pinElement.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid(path, "pins", "must be an object mapping image references to sha256 digests.");
                }

                foreach (var pin in pinElement.EnumerateObject())
                {
                    var digest = pin.Value.ValueKind == JsonValueKind.String ? pin.Value.GetString() : null;
                    if (!ImageReference.IsDigest(digest) || ImageReference.TryParse(pin.Name) is not { Digest: null })
                    {
                        throw Invalid(path, "pins", $"maps '{pin.Name}' to '{pin.Value}': keys are image references without a digest, values sha256:<64 hex>.");
                    }

                    pins[pin.Name] = digest!;
                }
            }

            string? audit = null;
            if (root.TryGetProperty("auditLog", out var a))
            {
                audit = a.ValueKind == JsonValueKind.String ? a.GetString() : null;
                if (string.IsNullOrWhiteSpace(audit) || !Path.IsPathRooted(audit))
                {
                    throw Invalid(path, "auditLog", "must be an absolute file path.");
                }
            }

            return new CapsulePolicy
            {
                Source = path,
                AllowedRegistries = registries,
                RequireDigest = Bool(root, "requireDigest", path),
                AllowPrivileged = Bool(root, "allowPrivileged", path),
                AuditLog = audit,
                Pins = pins,
            };
        }
    }

    private static bool Bool(JsonElement root, string name, string path)
    {
        if (!root.TryGetProperty(name, out var v))
        {
            return false;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid(path, name, "must be true or false."),
        };
    }

    private static CapsuleException Invalid(string path, string? field, string problem) => new(
        CapsuleErrorKind.InvalidArgument,
        field is null ? $"The policy file '{path}' {problem}" : $"The policy file '{path}': '{field}' {problem}",
        path,
        "Fix the policy file ('Get-Help about_RunEscape', section SECURITY POLICY, shows its fields).");

    /// <summary>
    /// The digest a capsule image is pinned to: the reference's own, else the catalog entry's,
    /// else the policy's pin for the reference. Null when it is not pinned.
    /// </summary>
    public string? PinFor(ImageReference image, string? catalogDigest)
    {
        if (image.Digest is not null)
        {
            return image.Digest;
        }

        if (catalogDigest is not null)
        {
            return catalogDigest;
        }

        if (Pins.TryGetValue(image.Original, out var pin))
        {
            return pin;
        }

        // A pin keyed by another spelling of the same reference (docker.io/..., a library/ image).
        foreach (var (key, value) in Pins)
        {
            if (ImageReference.TryParse(key) is { } k && k.NormalizedName == image.NormalizedName)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>True when the allow-list is empty or the image's registry/repository starts with one of its entries (whole path components).</summary>
    public bool Allows(ImageReference image) =>
        AllowedRegistries.Count == 0 || AllowedRegistries.Any(prefix => image.FullName == prefix || image.FullName.StartsWith(prefix + "/", StringComparison.Ordinal));

    /// <summary>
    /// The image the engine resolved a reference to must be allowed too, by one of its names:
    /// Podman resolves short names through its own search registries and local names
    /// (localhost/...), not docker.io as the reference reads.
    /// </summary>
    public void CheckResolved(string requested, IEnumerable<string> engineNames, string engine)
    {
        if (AllowedRegistries.Count == 0)
        {
            return;
        }

        var names = engineNames.ToList();
        if (names.Select(ImageReference.TryParse).Any(n => n is not null && Allows(n)))
        {
            return;
        }

        var where = Source is null ? "the policy" : $"the policy in {Source}";
        throw new CapsuleException(
            CapsuleErrorKind.PolicyRejected,
            $"The capsule image '{requested}' resolved on {engine} to {(names.Count > 0 ? string.Join(", ", names) : "an image without a name")}, which {where} does not allow (allowed: {string.Join(", ", AllowedRegistries)}).",
            requested,
            "Use a fully qualified image reference from an allowed registry, or allow the registry the engine resolves it to (Podman names local images localhost/...).");
    }

    /// <summary>Refuses (PolicyRejected) an image or a privileged capsule the policy does not allow.</summary>
    public void Check(ImageReference image, string? digest, bool privileged, string utility)
    {
        var where = Source is null ? "the policy" : $"the policy in {Source}";
        if (!Allows(image))
        {
            throw new CapsuleException(
                CapsuleErrorKind.PolicyRejected,
                $"The capsule image '{image.Original}' of utility '{utility}' is from {image.FullName}, which {where} does not allow (allowed: {string.Join(", ", AllowedRegistries)}).",
                image.Original,
                "Take the capsule images from an allowed registry (-Registry or $env:RUNESCAPE_REGISTRY), or ask the policy's owner to allow this one.");
        }

        if (RequireDigest && digest is null)
        {
            throw new CapsuleException(
                CapsuleErrorKind.PolicyRejected,
                $"The capsule image '{image.Original}' of utility '{utility}' is not pinned by digest, and {where} requires it.",
                image.Original,
                "Pin it: an image reference ending in @sha256:<digest> or a 'digest' field in the catalog entry, or a 'pins' entry in the policy.");
        }

        if (privileged && !AllowPrivileged)
        {
            throw new CapsuleException(
                CapsuleErrorKind.PolicyRejected,
                $"A privileged capsule was asked for ('{utility}'), and {where} does not allow privileged capsules.",
                utility,
                "Run without -Privileged, or ask the policy's owner to set allowPrivileged.");
        }
    }
}
