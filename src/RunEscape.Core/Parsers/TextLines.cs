using System.Text;

namespace RunEscape.Parsers;

/// <summary>Small helpers shared by the line- and column-oriented parsers of disk and file utilities.</summary>
internal static class TextLines
{
    /// <summary>Nothing but blanks, line ends and NULs: "no data".</summary>
    public static bool IsBlank(string? text) => text is null || text.All(c => c == '\0' || char.IsWhiteSpace(c));

    /// <summary>The lines of <paramref name="text"/> without their line ends (LF or CRLF).</summary>
    public static IEnumerable<(int Number, string Line)> Enumerate(string text) => Enumerate(text, text.Length);

    /// <summary>The lines of the first <paramref name="length"/> characters of <paramref name="text"/>, without copying them first.</summary>
    public static IEnumerable<(int Number, string Line)> Enumerate(string text, int length)
    {
        var number = 0;
        var start = 0;
        while (start < length)
        {
            var end = text.IndexOf('\n', start, length - start);
            if (end < 0)
            {
                end = length;
            }

            var line = text.AsSpan(start, end - start);
            if (!line.IsEmpty && line[^1] == '\r')
            {
                line = line[..^1];
            }

            number++;
            yield return (number, line.ToString());
            start = end + 1;
        }
    }

    /// <summary>The blank-separated words of a line, with where each starts.</summary>
    public static List<(int Start, string Text)> Words(string line)
    {
        var words = new List<(int, string)>();
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && char.IsWhiteSpace(line[i]))
            {
                i++;
            }

            if (i >= line.Length)
            {
                break;
            }

            var start = i;
            while (i < line.Length && !char.IsWhiteSpace(line[i]))
            {
                i++;
            }

            words.Add((start, line[start..i]));
        }

        return words;
    }

    /// <summary>
    /// Decodes the octal escapes the kernel writes in /proc mount tables (<c>\040</c> space,
    /// <c>\011</c> tab, <c>\012</c> newline, <c>\134</c> backslash); other text is kept as is.
    /// </summary>
    public static string DecodeOctal(string text)
    {
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\'
                && IsOctal(text, i + 1) && IsOctal(text, i + 2) && IsOctal(text, i + 3))
            {
                sb.Append((char)(((text[i + 1] - '0') * 64) + ((text[i + 2] - '0') * 8) + (text[i + 3] - '0')));
                i += 3;
            }
            else
            {
                sb.Append(text[i]);
            }
        }

        return sb.ToString();
    }

    private static bool IsOctal(string text, int index) => index < text.Length && text[index] is >= '0' and <= '7';
}
