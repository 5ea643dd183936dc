namespace RunEscape.Parsing;

/// <summary>Metadata every parser declares: name, the output variants it reads, its version.</summary>
public sealed class ParserInfo
{
    public ParserInfo(string name, string version, string description, IReadOnlyList<string> variants, Type primaryRecordType, IReadOnlyList<Type> recordTypes)
    {
        Name = name;
        Version = version;
        Description = description;
        Variants = variants;
        PrimaryRecordType = primaryRecordType;
        RecordTypes = recordTypes;
    }

    public string Name { get; }

    public string Version { get; }

    public string Description { get; }

    /// <summary>Output variants the parser detects, e.g. procps and busybox.</summary>
    public IReadOnlyList<string> Variants { get; }

    /// <summary>The record type that goes to the pipeline by default (e.g. one per process).</summary>
    public Type PrimaryRecordType { get; }

    /// <summary>All record types the parser can produce (e.g. a summary as well).</summary>
    public IReadOnlyList<Type> RecordTypes { get; }

    /// <summary>
    /// True for a generic parser that has no notion of an unreadable line (<c>lines</c> takes every
    /// line, <c>table</c> takes the first as its header and any row with enough columns); such a parser
    /// reports no ParserError for text no utility prints. False (the default) for every utility parser.
    /// </summary>
    public bool AcceptsAnyLine { get; init; }
}
