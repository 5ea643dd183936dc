using System.Reflection;
using System.Text.Json;

namespace RunEscape.Catalog;

/// <summary>
/// The set of utilities a capsule can carry. The built-in catalog is a versioned JSON
/// document embedded in this assembly; image references name the module version.
/// </summary>
public sealed class CapsuleCatalog
{
    /// <summary>The catalog schema versions this build reads.</summary>
    public static readonly IReadOnlyList<string> SupportedSchemaVersions = new[] { "1.0" };

    private static readonly string[] DefaultNamespaces = { "pid", "net", "ipc" };

    private readonly Dictionary<string, CapsuleUtility> _byName;

    private CapsuleCatalog(IEnumerable<CapsuleUtility> utilities)
    {
        _byName = new Dictionary<string, CapsuleUtility>(StringComparer.OrdinalIgnoreCase);
        foreach (var u in utilities)
        {
            _byName[u.Name] = u;
        }
    }

    /// <summary>Environment variable that maps the built-in capsule images to another registry.</summary>
    public const string RegistryVariable = "RUNESCAPE_REGISTRY";

    /// <summary>Environment variable with user catalog files to merge over the built-in one (a path list, ':' separated on Linux).</summary>
    public const string PathVariable = "RUNESCAPE_CATALOG_PATH";

    /// <summary>Where a utility registered in the session comes from.</summary>
    public const string SessionSource = "Register-CapsuleUtility";

    /// <summary>
    /// The catalog in force: the built-in entries, then the files of $RUNESCAPE_CATALOG_PATH, then
    /// <paramref name="paths"/>, then the utilities registered in the session; a later entry with the
    /// same name replaces an earlier one. A missing or invalid file is an InvalidArgument error that
    /// names the file (and the entry and field when the document is at fault).
    /// </summary>
    public static CapsuleCatalog Load(IEnumerable<string>? paths, IEnumerable<CapsuleUtility>? registered = null, string? environmentPaths = null)
    {
        environmentPaths ??= Environment.GetEnvironmentVariable(PathVariable);
        var files = new List<string>();
        if (!string.IsNullOrWhiteSpace(environmentPaths))
        {
            files.AddRange(environmentPaths.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        if (paths is not null)
        {
            files.AddRange(paths.Where(p => !string.IsNullOrWhiteSpace(p)));
        }

        if (files.Count == 0 && registered is null)
        {
            return Builtin;
        }

        var all = new List<CapsuleUtility>(Builtin.Utilities);
        foreach (var file in files)
        {
            var full = Path.GetFullPath(file);
            string json;
            try
            {
                json = File.ReadAllText(full);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                throw new CapsuleException(
                    CapsuleErrorKind.InvalidArgument,
                    $"Catalog {full} cannot be read: {ex.Message}",
                    full,
                    $"Check the path given to -CatalogPath or ${PathVariable}.",
                    ex);
            }

            all.AddRange(Parse(json, full));
        }

        if (registered is not null)
        {
            all.AddRange(registered);
        }

        return new CapsuleCatalog(all);
    }

    /// <summary>A catalog of the given entries (later entries with the same name win).</summary>
    public static CapsuleCatalog Create(IEnumerable<CapsuleUtility> utilities) => new(utilities);

    /// <summary>
    /// The image to run for <paramref name="utility"/>: built-in images are moved to
    /// <paramref name="registry"/> (or $RUNESCAPE_REGISTRY) when one is given, e.g.
    /// registry.example.com/team + runescape/capsule-procps:0.1.0 → registry.example.com/team/runescape/capsule-procps:0.1.0.
    /// </summary>
    public static string ResolveImage(CapsuleUtility utility, string? registry)
    {
        var source = registry is null ? RegistryVariable : "-Registry";
        registry ??= Environment.GetEnvironmentVariable(RegistryVariable);
        if (string.IsNullOrEmpty(registry) || utility.Source != "builtin")
        {
            return utility.Image;
        }

        // host[:port][/path…], lower case, as image references require.
        if (!System.Text.RegularExpressions.Regex.IsMatch(registry.TrimEnd('/'), "^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant))
        {
            throw new CapsuleException(
                CapsuleErrorKind.InvalidArgument,
                $"{source} '{registry}' is not a registry reference (host[:port][/path], lower case).",
                registry,
                "Pass a registry such as registry.example.com:5000/tools.");
        }

        return registry.TrimEnd('/') + "/" + utility.Image;
    }

    /// <summary>All entries, ordered by name.</summary>
    public IReadOnlyList<CapsuleUtility> Utilities =>
        _byName.Values.OrderBy(u => u.Name, StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>The version that fills <c>{version}</c> in image references.</summary>
    public static string ModuleVersion { get; } = ReadModuleVersion();

    /// <summary>The catalog shipped with the module.</summary>
    public static CapsuleCatalog Builtin { get; } = LoadBuiltin();

    /// <summary>Finds an entry by exact name (case-insensitive).</summary>
    public bool TryGet(string name, out CapsuleUtility utility)
    {
        if (_byName.TryGetValue(name, out var found))
        {
            utility = found;
            return true;
        }

        utility = null!;
        return false;
    }

    /// <summary>Finds an entry or throws <see cref="CapsuleErrorKind.UtilityNotFound"/>.</summary>
    public CapsuleUtility Get(string name)
    {
        if (TryGet(name, out var utility))
        {
            return utility;
        }

        var known = string.Join(", ", _byName.Keys.OrderBy(k => k, StringComparer.OrdinalIgnoreCase));
        throw new CapsuleException(
            CapsuleErrorKind.UtilityNotFound,
            $"The utility '{name}' is not in the capsule catalog. Known utilities: {known}.",
            name,
            "Run Get-CapsuleCatalog to list the utilities a capsule can carry.");
    }

    /// <summary>Reads a catalog document. Errors name the source, the entry and the field.</summary>
    public static IReadOnlyList<CapsuleUtility> Parse(string json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw Invalid(source, null, null, $"is not valid JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(source, null, null, "must be a JSON object with 'schemaVersion' and 'utilities'.");
            }

            var schema = root.TryGetProperty("schemaVersion", out var sv) && sv.ValueKind == JsonValueKind.String ? sv.GetString() : null;
            if (schema is null || !SupportedSchemaVersions.Contains(schema))
            {
                throw Invalid(source, null, "schemaVersion", $"must be one of {string.Join(", ", SupportedSchemaVersions)} (found '{schema ?? "nothing"}').");
            }

            if (!root.TryGetProperty("utilities", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                throw Invalid(source, null, "utilities", "must be an array.");
            }

            var result = new List<CapsuleUtility>();
            var index = 0;
            foreach (var e in list.EnumerateArray())
            {
                var entry = $"#{index}";
                var name = RequiredString(e, "name", source, entry);
                entry = name;
                var image = RequiredString(e, "image", source, entry).Replace("{version}", ModuleVersion, StringComparison.Ordinal);
                var command = StringArray(e, "command", source, entry, required: true);
                if (command.Count == 0)
                {
                    throw Invalid(source, entry, "command", "must name at least the program to run.");
                }

                var parser = RequiredString(e, "parser", source, entry);
                if (parser == Parsers.GenericParsers.ScriptBlock ? source != SessionSource : !Parsing.ParserRegistry.TryGet(parser, out _))
                {
                    var known = string.Join(", ", Parsing.ParserRegistry.All.Select(p => p.Info.Name).OrderBy(n => n, StringComparer.Ordinal));
                    throw Invalid(source, entry, "parser", parser == Parsers.GenericParsers.ScriptBlock
                        ? "is 'scriptblock', which only Register-CapsuleUtility -ScriptBlock can give."
                        : $"names no known parser ('{parser}'); known: {known}, or scriptblock through Register-CapsuleUtility.");
                }

                var namespaces = StringArray(e, "namespaces", source, entry, required: false);
                foreach (var ns in namespaces)
                {
                    if (ns is not ("pid" or "net" or "ipc"))
                    {
                        throw Invalid(source, entry, "namespaces", $"has '{ns}'; allowed: pid, net, ipc.");
                    }
                }

                var timeout = 30;
                if (e.TryGetProperty("timeoutSec", out var t))
                {
                    if (t.ValueKind != JsonValueKind.Number || !t.TryGetInt32(out timeout) || timeout <= 0)
                    {
                        throw Invalid(source, entry, "timeoutSec", "must be a positive whole number of seconds.");
                    }
                }

                var env = new Dictionary<string, string>(StringComparer.Ordinal);
                if (e.TryGetProperty("environment", out var envEl))
                {
                    if (envEl.ValueKind != JsonValueKind.Object)
                    {
                        throw Invalid(source, entry, "environment", "must be an object of name/value strings.");
                    }

                    foreach (var p in envEl.EnumerateObject())
                    {
                        if (p.Value.ValueKind != JsonValueKind.String)
                        {
                            throw Invalid(source, entry, $"environment.{p.Name}", "must be a string.");
                        }

                        env[p.Name] = p.Value.GetString()!;
                    }
                }

                var lastFrameOnly = false;
                if (e.TryGetProperty("frames", out var frames))
                {
                    var value = frames.ValueKind == JsonValueKind.String ? frames.GetString() : null;
                    if (value is not ("all" or "last"))
                    {
                        throw Invalid(source, entry, "frames", "must be \"all\" or \"last\".");
                    }

                    lastFrameOnly = value == "last";
                }

                var capabilities = StringArray(e, "capabilities", source, entry, required: false);
                foreach (var cap in capabilities)
                {
                    if (cap.Length == 0 || !cap.All(c => char.IsAsciiLetterUpper(c) || c == '_'))
                    {
                        throw Invalid(source, entry, "capabilities", $"has '{cap}'; a capability is a name such as SYS_PTRACE (without CAP_).");
                    }
                }

                if (command.Any(string.IsNullOrEmpty))
                {
                    throw Invalid(source, entry, "command", "must not contain empty strings.");
                }

                string? digest = null;
                if (e.TryGetProperty("digest", out var dg))
                {
                    digest = dg.ValueKind == JsonValueKind.String ? dg.GetString() : null;
                    if (!Security.ImageReference.IsDigest(digest))
                    {
                        throw Invalid(source, entry, "digest", "must be sha256:<64 lower-case hex digits> (the image's repo digest, or on a local engine its image id).");
                    }
                }

                if (Security.ImageReference.TryParse(image) is not { } reference)
                {
                    throw Invalid(source, entry, "image", $"'{image}' is not an image reference ([registry/]repository[:tag][@sha256:<digest>]).");
                }
                else if (reference.Digest is not null && digest is not null && reference.Digest != digest)
                {
                    throw Invalid(source, entry, "digest", $"differs from the digest in the image reference '{image}'.");
                }

                var redact = false;
                if (e.TryGetProperty("redactSecrets", out var rs))
                {
                    redact = rs.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw Invalid(source, entry, "redactSecrets", "must be true or false."),
                    };
                }

                var description = e.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : string.Empty;
                result.Add(new CapsuleUtility(
                    name, description, image, command, env, parser,
                    namespaces.Count == 0 ? DefaultNamespaces : namespaces,
                    capabilities,
                    timeout, source, lastFrameOnly)
                {
                    ParserVariant = e.TryGetProperty("parserVariant", out var pv) && pv.ValueKind == JsonValueKind.String ? pv.GetString() : null,
                    Digest = digest,
                    RedactSecrets = redact,
                });
                index++;
            }

            return result;
        }
    }

    private static CapsuleCatalog LoadBuiltin()
    {
        using var stream = typeof(CapsuleCatalog).Assembly.GetManifestResourceStream("RunEscape.Catalog.builtin-catalog.json")
            ?? throw new InvalidOperationException("The built-in catalog resource is missing from RunEscape.Core.");
        using var reader = new StreamReader(stream);
        return new CapsuleCatalog(Parse(reader.ReadToEnd(), "builtin"));
    }

    private static string ReadModuleVersion()
    {
        var info = typeof(CapsuleCatalog).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(info))
        {
            return typeof(CapsuleCatalog).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        }

        var plus = info.IndexOf('+', StringComparison.Ordinal);
        return plus >= 0 ? info[..plus] : info;
    }

    private static string RequiredString(JsonElement e, string field, string source, string entry)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, entry, null, "must be an object.");
        }

        if (!e.TryGetProperty(field, out var v) || v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString()))
        {
            throw Invalid(source, entry, field, "is required and must be a non-empty string.");
        }

        return v.GetString()!;
    }

    private static IReadOnlyList<string> StringArray(JsonElement e, string field, string source, string entry, bool required)
    {
        if (!e.TryGetProperty(field, out var v))
        {
            if (required)
            {
                throw Invalid(source, entry, field, "is required.");
            }

            return Array.Empty<string>();
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(source, entry, field, "must be an array of strings.");
        }

        var list = new List<string>();
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw Invalid(source, entry, field, "must contain only strings.");
            }

            list.Add(item.GetString()!);
        }

        return list;
    }

    private static CapsuleException Invalid(string source, string? entry, string? field, string problem, Exception? inner = null)
    {
        var where = source;
        if (entry is not null)
        {
            where += $", entry '{entry}'";
        }

        if (field is not null)
        {
            where += $", field '{field}'";
        }

        return new CapsuleException(
            CapsuleErrorKind.InvalidArgument,
            $"Catalog {where} {problem}",
            source,
            source == SessionSource
                ? "Correct the Register-CapsuleUtility parameters (a scriptblock parser goes to -ScriptBlock, a parser name to -Parser) and try again."
                : "Correct the catalog document and try again.",
            inner);
    }
}
