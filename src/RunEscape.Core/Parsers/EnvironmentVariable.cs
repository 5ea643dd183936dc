using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>One variable of a process environment (name and value, values may span lines).</summary>
public sealed class EnvironmentVariable : CapsuleRecord
{
    public string Name { get; set; } = string.Empty;

    public string Value { get; set; } = string.Empty;

    /// <summary>The value was masked because the name looks like a secret (Invoke-Capsule -ShowSecrets shows it).</summary>
    public bool Redacted { get; set; }
}
