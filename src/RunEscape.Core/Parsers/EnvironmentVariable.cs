using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>One variable of a process environment (name and value, values may span lines).</summary>
public sealed class EnvironmentVariable : CapsuleRecord
{
    public string Name { get; set; } = string.Empty;

    public string Value { get; set; } = string.Empty;
}
