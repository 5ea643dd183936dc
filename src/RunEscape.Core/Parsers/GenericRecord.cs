using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>
/// A record of a generic parser (table, keyvalue, json, lines) for user-defined utilities: named
/// fields in the order they were read. The PowerShell layer turns it into an object whose
/// properties are the fields.
/// </summary>
public sealed class GenericRecord : CapsuleRecord
{
    public GenericRecord(IReadOnlyList<KeyValuePair<string, object?>> fields) => Fields = fields;

    /// <summary>Field name and value (string, long, double, bool, null, or nested lists/records for JSON).</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Fields { get; }

    /// <summary>The value of a field by name (case-insensitive), or null.</summary>
    public object? this[string name] => Fields.FirstOrDefault(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
