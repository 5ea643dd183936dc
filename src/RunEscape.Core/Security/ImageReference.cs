using System.Text.RegularExpressions;

namespace RunEscape.Security;

/// <summary>
/// An image reference split as Docker reads it: [registry/]repository[:tag][@digest]. A reference
/// without a registry host (no '.', ':' or 'localhost' in its first component) is on docker.io,
/// and a one-component docker.io repository is under library/.
/// </summary>
public sealed partial class ImageReference
{
    private ImageReference(string original, string registry, string repository, string? tag, string? digest)
    {
        Original = original;
        Registry = registry;
        Repository = repository;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The reference as written.</summary>
    public string Original { get; }

    /// <summary>The registry host[:port], e.g. docker.io, localhost:5000.</summary>
    public string Registry { get; }

    /// <summary>The repository path on that registry, e.g. runescape/capsule-procps.</summary>
    public string Repository { get; }

    public string? Tag { get; }

    /// <summary>sha256:&lt;64 hex&gt; when the reference is pinned.</summary>
    public string? Digest { get; }

    /// <summary>registry/repository, the form allow-list entries are matched against.</summary>
    public string FullName => Registry + "/" + Repository;

    /// <summary>registry/repository[:tag], the normalized form a policy pin may be keyed by.</summary>
    public string NormalizedName => Tag is null ? FullName : FullName + ":" + Tag;

    /// <summary>The reference without its digest: what a local engine knows the image by.</summary>
    public string WithoutDigest
    {
        get
        {
            var at = Original.IndexOf('@', StringComparison.Ordinal);
            return at < 0 ? Original : Original[..at];
        }
    }

    [GeneratedRegex("^sha256:[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex DigestPattern();

    [GeneratedRegex("^[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]+)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex RegistryPattern();

    /// <summary>True when <paramref name="digest"/> is sha256:&lt;64 lower-case hex&gt;.</summary>
    public static bool IsDigest(string? digest) => digest is not null && DigestPattern().IsMatch(digest);

    /// <summary>Parses a reference; null when it is not one.</summary>
    public static ImageReference? TryParse(string? reference)
    {
        if (string.IsNullOrWhiteSpace(reference))
        {
            return null;
        }

        var rest = reference.Trim();
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
            if (!IsDigest(digest))
            {
                return null;
            }
        }

        string? tag = null;
        var slash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        if (colon > slash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (tag.Length == 0 || tag.Length > 128 || !tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return null;
            }
        }

        string registry;
        var first = rest.IndexOf('/');
        var head = first < 0 ? string.Empty : rest[..first];
        if (first > 0 && (head.Contains('.', StringComparison.Ordinal) || head.Contains(':', StringComparison.Ordinal) || head == "localhost"))
        {
            registry = head;
            rest = rest[(first + 1)..];
        }
        else
        {
            registry = "docker.io";
            if (!rest.Contains('/', StringComparison.Ordinal))
            {
                rest = "library/" + rest;
            }
        }

        if (!RepositoryPattern().IsMatch(rest) || !RegistryPattern().IsMatch(registry))
        {
            return null;
        }

        registry = registry.ToLowerInvariant();
        if (registry is "index.docker.io" or "registry-1.docker.io")
        {
            registry = "docker.io";
        }

        // A bare image id (or id prefix) is not a reference: engines run whatever local image has it.
        if (registry == "docker.io" && tag is null && digest is null && rest.StartsWith("library/", StringComparison.Ordinal)
            && rest.Length - 8 >= 12 && rest[8..].All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        return new ImageReference(reference.Trim(), registry, rest, tag, digest);
    }

    public override string ToString() => Original;
}
