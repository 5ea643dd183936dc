namespace RunEscape.Lifecycle;

/// <summary>Labels every capsule carries, so it can be found, listed and removed later.</summary>
public static class CapsuleLabels
{
    public const string Prefix = "io.runescape.";
    public const string Marker = Prefix + "capsule";
    public const string Target = Prefix + "target";
    public const string TargetId = Prefix + "target-id";
    public const string Utility = Prefix + "utility";
    public const string Created = Prefix + "created";
    public const string Deadline = Prefix + "deadline";
    public const string Owner = Prefix + "owner";
    public const string Version = Prefix + "version";

    /// <summary>Who ran the capsule: the local user name, and the host it ran from.</summary>
    public const string User = Prefix + "user";
    public const string Host = Prefix + "host";

    /// <summary>The utility's argv (catalog command and -ArgumentList, deadline wrapper excluded) as a JSON array.</summary>
    public const string Argv = Prefix + "argv";

    /// <summary>The image as asked for, and the digest of the image the engine really ran.</summary>
    public const string Image = Prefix + "image";
    public const string ImageDigest = Prefix + "image-digest";

    /// <summary>"true" on a privileged capsule.</summary>
    public const string Privileged = Prefix + "privileged";

    /// <summary>The argv a label (or RUNESCAPE_ARGV) records; empty when missing or not a JSON array of strings.</summary>
    public static IReadOnlyList<string> ParseArgv(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return Array.Empty<string>();
        }

        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<string[]>(json) ?? Array.Empty<string>();
        }
        catch (System.Text.Json.JsonException)
        {
            return Array.Empty<string>();
        }
    }
}
