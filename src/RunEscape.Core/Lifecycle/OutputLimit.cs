namespace RunEscape.Lifecycle;

/// <summary>Which cap cut a capsule's output off, if one did.</summary>
public enum OutputLimit
{
    /// <summary>The whole output was read.</summary>
    None,

    /// <summary>The output reached -MaxOutputBytes.</summary>
    Bytes,

    /// <summary>The standard output reached -MaxOutputLines lines.</summary>
    Lines,

    /// <summary>
    /// The output was read whole, but the parser stopped at -MaxOutputLines values (a JSON array
    /// on one line can be millions of records, or one record of millions of items).
    /// </summary>
    Records,
}
