namespace RunEscape.Parsing;

/// <summary>
/// Base of every parsed record: it remembers the line it came from and, once the
/// lifecycle has stamped it, the target it describes.
/// </summary>
public abstract class CapsuleRecord
{
    // Either the line itself (_sourceLength < 0) or the whole parsed text with the line's range:
    // one reference instead of two keeps every record small (parsers make many).
    private string? _source;
    private int _sourceStart;
    private int _sourceLength = -1;

    /// <summary>The target the record describes (container or pod/container), set by the lifecycle.</summary>
    public string? Target { get; set; }

    /// <summary>
    /// The raw output line the record was read from (hidden from default views). Parsers may set it
    /// lazily with <see cref="SetSource"/>: the string is then cut from the parsed text on first read.
    /// </summary>
    public string? SourceLine
    {
        get
        {
            if (_source is not null && _sourceLength >= 0)
            {
                _source = _source.Substring(_sourceStart, _sourceLength);
                _sourceLength = -1;
            }

            return _source;
        }

        set
        {
            _source = value;
            _sourceLength = -1;
        }
    }

    /// <summary>Points <see cref="SourceLine"/> at a range of the parsed text without copying it yet.</summary>
    public void SetSource(string text, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + length, text.Length);
        _source = text;
        _sourceStart = start;
        _sourceLength = length;
    }
}
