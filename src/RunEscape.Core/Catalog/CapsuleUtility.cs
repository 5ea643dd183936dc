namespace RunEscape.Catalog;

/// <summary>
/// One catalog entry: what a capsule carries and how its output is read.
/// </summary>
public sealed class CapsuleUtility
{
    public CapsuleUtility(
        string name,
        string description,
        string image,
        IReadOnlyList<string> command,
        IReadOnlyDictionary<string, string> environment,
        string parser,
        IReadOnlyList<string> namespaces,
        IReadOnlyList<string> capabilities,
        int timeoutSec,
        string source,
        bool lastFrameOnly = false)
    {
        LastFrameOnly = lastFrameOnly;
        // Read-only copies: the catalog is shared by the whole session, and PowerShell would
        // otherwise let `(Get-CapsuleCatalog top).Capabilities.Add('SYS_ADMIN')` change it.
        Name = name;
        Description = description;
        Image = image;
        Command = Array.AsReadOnly(command.ToArray());
        Environment = new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(environment.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        Parser = parser;
        Namespaces = Array.AsReadOnly(namespaces.ToArray());
        Capabilities = Array.AsReadOnly(capabilities.ToArray());
        TimeoutSec = timeoutSec;
        Source = source;
    }

    /// <summary>The name users pass to -Utility.</summary>
    public string Name { get; }

    public string Description { get; }

    /// <summary>The capsule image reference, with the module version filled in.</summary>
    public string Image { get; }

    /// <summary>The argv run inside the capsule (before the deadline wrapper).</summary>
    public IReadOnlyList<string> Command { get; }

    /// <summary>Environment variables set in the capsule.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>The parser that reads the utility's standard output.</summary>
    public string Parser { get; }

    /// <summary>Namespaces of the target the capsule joins: pid, net, ipc.</summary>
    public IReadOnlyList<string> Namespaces { get; }

    /// <summary>Linux capabilities the capsule is given; nothing else is added.</summary>
    public IReadOnlyList<string> Capabilities { get; }

    /// <summary>Default deadline in seconds.</summary>
    public int TimeoutSec { get; }

    /// <summary>
    /// The utility prints several frames (top -n 2) and only the last is kept: procps top's first
    /// frame measures CPU over a few microseconds, so only the second is a real sample.
    /// </summary>
    public bool LastFrameOnly { get; }
    /// <summary>
    /// The output variant the parser should assume (catalog field <c>parserVariant</c>, e.g. <c>busybox</c>)
    /// when the text alone cannot tell; null lets the parser detect it. A caller's -Variant wins.
    /// </summary>
    public string? ParserVariant { get; init; }

    /// <summary>
    /// The digest the image is pinned to (catalog field <c>digest</c>): the capsule runs only an
    /// image with this repo digest or id. Null: not pinned (unless the image reference carries one).
    /// </summary>
    public string? Digest { get; init; }

    /// <summary>The output is NAME=VALUE environment text whose secret-looking values are masked unless -ShowSecrets.</summary>
    public bool RedactSecrets { get; init; }

    /// <summary>Where the entry came from: "builtin" or a file path.</summary>
    public string Source { get; }

    public override string ToString() => Name;
}
