using RunEscape.Parsing;

namespace RunEscape.Parsers;

/// <summary>Span helpers the line-oriented parsers share: lines, blanks, tokens, variants, durations.</summary>
internal static class ParserText
{
    /// <summary>Next line of <paramref name="text"/> without its line break (LF or CRLF); false at the end.</summary>
    public static bool NextLine(string text, ref int position, out ReadOnlySpan<char> line)
    {
        if (position >= text.Length)
        {
            line = default;
            return false;
        }

        var rest = text.AsSpan(position);
        var newline = rest.IndexOf('\n');
        if (newline < 0)
        {
            line = rest;
            position = text.Length;
        }
        else
        {
            line = rest[..newline];
            position += newline + 1;
        }

        if (!line.IsEmpty && line[^1] == '\r')
        {
            line = line[..^1];
        }

        return true;
    }

    public static bool IsBlank(char c) => c == ' ' || c == '\t';

    /// <summary>Index of the first non-blank at or after <paramref name="i"/> (or the length).</summary>
    public static int SkipBlanks(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && IsBlank(s[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>Index just after the token starting at <paramref name="i"/>.</summary>
    public static int TokenEnd(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && !IsBlank(s[i]))
        {
            i++;
        }

        return i;
    }

    /// <summary>Whitespace-separated tokens as (start, end) pairs.</summary>
    public static List<(int Start, int End)> Tokens(ReadOnlySpan<char> s)
    {
        var list = new List<(int, int)>();
        var i = SkipBlanks(s, 0);
        while (i < s.Length)
        {
            var end = TokenEnd(s, i);
            list.Add((i, end));
            i = SkipBlanks(s, end);
        }

        return list;
    }

    /// <summary>
    /// The variant the caller forced, matched case-insensitively against the parser's variants;
    /// null when none was forced. An unknown variant is an InvalidArgument error naming the choices.
    /// </summary>
    public static string? ForcedVariant(ParseContext context, ParserInfo info)
    {
        var v = context.Variant;
        if (string.IsNullOrWhiteSpace(v))
        {
            return null;
        }

        v = v.Trim();
        foreach (var known in info.Variants)
        {
            if (known.Equals(v, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        if (v.Equals("procps-ng", StringComparison.OrdinalIgnoreCase) && info.Variants.Contains("procps"))
        {
            return "procps";
        }

        throw new CapsuleException(
            CapsuleErrorKind.InvalidArgument,
            $"The {info.Name} parser has no variant '{context.Variant}'.",
            context.Variant,
            $"Use one of: {string.Join(", ", info.Variants)}; or leave the variant empty to detect it.");
    }

    /// <summary>ASCII digits only, at most 18 of them.</summary>
    public static bool TryDigits(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 18)
        {
            return false;
        }

        foreach (var c in text)
        {
            var d = c - '0';
            if ((uint)d > 9)
            {
                value = 0;
                return false;
            }

            value = value * 10 + d;
        }

        return true;
    }

    /// <summary>An int with an optional leading minus sign.</summary>
    public static bool TryInt(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        var negative = !text.IsEmpty && text[0] == '-';
        if (!TryDigits(negative ? text[1..] : text, out var v) || v > int.MaxValue)
        {
            return false;
        }

        value = negative ? -(int)v : (int)v;
        return true;
    }

    /// <summary>
    /// A ps-style duration: <c>[[DD-]HH:]MM:SS</c> (TIME, ELAPSED), where the leading field may be
    /// longer than two digits (<c>123:45</c> is 123 minutes 45 seconds).
    /// </summary>
    public static bool TryParseClockDuration(ReadOnlySpan<char> text, out TimeSpan value)
    {
        value = default;
        long days = 0;
        var dash = text.IndexOf('-');
        if (dash >= 0)
        {
            if (!TryDigits(text[..dash], out days))
            {
                return false;
            }

            text = text[(dash + 1)..];
        }

        var c1 = text.IndexOf(':');
        if (c1 < 0)
        {
            return false;
        }

        var c2 = text[(c1 + 1)..].IndexOf(':');
        long hours = 0, minutes, seconds;
        if (c2 < 0)
        {
            if (dash >= 0 || !TryDigits(text[..c1], out minutes) || text.Length - c1 - 1 != 2 || !TryDigits(text[(c1 + 1)..], out seconds))
            {
                return false;
            }
        }
        else
        {
            c2 += c1 + 1;
            if (!TryDigits(text[..c1], out hours) || !TryDigits(text[(c1 + 1)..c2], out minutes) || c2 - c1 - 1 != 2
                || text.Length - c2 - 1 != 2 || !TryDigits(text[(c2 + 1)..], out seconds) || minutes > 59)
            {
                return false;
            }
        }

        if (seconds > 59)
        {
            return false;
        }

        value = TimeSpan.FromTicks(((((days * 24) + hours) * 60 + minutes) * 60 + seconds) * TimeSpan.TicksPerSecond);
        return true;
    }
}
