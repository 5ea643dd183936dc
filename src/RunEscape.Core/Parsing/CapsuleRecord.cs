namespace RunEscape.Parsing;

/// <summary>
/// Base of every parsed record: it remembers the line it came from and, once the
/// lifecycle has stamped it, the target it describes.
/// </summary>
public abstract class CapsuleRecord
{
    private string? _sourceLine;
    private string? _sourceText;
    private int _sourceStart;
    private int _sourceLength;

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
            if (_sourceLine is null && _sourceText is not null)
            {
                _sourceLine = _sourceText.Substring(_sourceStart, _sourceLength);
                _sourceText = null;
            }

            return _sourceLine;
        }

        set
        {
            _sourceLine = value;
            _sourceText = null;
        }
    }

    /// <summary>Points <see cref="SourceLine"/> at a range of the parsed text without copying it yet.</summary>
    public void SetSource(string text, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + length, text.Length);
        _sourceLine = null;
        _sourceText = text;
        _sourceStart = start;
        _sourceLength = length;
    }
}
