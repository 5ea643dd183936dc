namespace RunEscape.Parsers;

/// <summary>
/// A tiny most-recent cache so that cells that repeat row after row (user, state, tty) share one
/// string instead of allocating one per row. Linear scan over a few entries; not thread-safe
/// (one per parse).
/// </summary>
internal sealed class StringCache
{
    private readonly string[] _entries;
    private int _next;

    public StringCache(int size = 16) => _entries = new string[size];

    public string Get(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return string.Empty;
        }

        foreach (var e in _entries)
        {
            if (e is null)
            {
                break;
            }

            if (value.SequenceEqual(e))
            {
                return e;
            }
        }

        var s = value.ToString();
        _entries[_next] = s;
        _next = (_next + 1) % _entries.Length;
        return s;
    }
}
