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
}
