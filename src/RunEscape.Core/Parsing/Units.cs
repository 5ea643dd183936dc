using System.Globalization;

namespace RunEscape.Parsing;

/// <summary>
/// Culture-invariant helpers for the numbers utilities print: sizes with an optional binary unit
/// suffix, decimals that may use <c>.</c> or <c>,</c> (e.g. German-locale output), and percentages.
/// </summary>
/// <remarks>
/// Suffixes are binary (powers of 1024) whatever their case, as procps and BusyBox mean them:
/// <c>k</c> KiB, <c>m</c> MiB, <c>g</c> GiB, <c>t</c> TiB, <c>p</c> PiB, <c>e</c> EiB.
/// A size without a suffix is in the caller's default unit (procps top and BusyBox print KiB).
/// </remarks>
public static class Units
{
    /// <summary>One byte.</summary>
    public const long Byte = 1L;

    /// <summary>1024 bytes.</summary>
    public const long KiB = 1L << 10;

    /// <summary>1024 KiB.</summary>
    public const long MiB = 1L << 20;

    /// <summary>1024 MiB.</summary>
    public const long GiB = 1L << 30;

    /// <summary>1024 GiB.</summary>
    public const long TiB = 1L << 40;

    /// <summary>1024 TiB.</summary>
    public const long PiB = 1L << 50;

    /// <summary>1024 PiB.</summary>
    public const long EiB = 1L << 60;

    // Longer than any number a utility prints in one cell; guards the stack buffer.
    private const int MaxNumberLength = 64;

    /// <summary>The multiplier of a one-letter binary suffix (<c>k m g t p e</c>, either case).</summary>
    public static bool TryGetSuffixMultiplier(char suffix, out long multiplier)
    {
        multiplier = char.ToLowerInvariant(suffix) switch
        {
            'k' => KiB,
            'm' => MiB,
            'g' => GiB,
            't' => TiB,
            'p' => PiB,
            'e' => EiB,
            _ => 0,
        };
        return multiplier != 0;
    }

    /// <summary>
    /// The multiplier of a unit word as procps prints it before its memory lines
    /// (<c>KiB</c>, <c>MiB</c>, <c>GiB</c>, <c>TiB</c>, <c>PiB</c>, <c>EiB</c>; case-insensitive).
    /// </summary>
    public static bool TryGetUnitMultiplier(ReadOnlySpan<char> unit, out long multiplier)
    {
        unit = unit.Trim();
        multiplier = 0;
        if (unit.Length != 3 || char.ToLowerInvariant(unit[1]) != 'i' || char.ToLowerInvariant(unit[2]) != 'b')
        {
            return false;
        }

        return TryGetSuffixMultiplier(unit[0], out multiplier);
    }

    /// <summary>
    /// Parses a decimal number that uses either <c>.</c> or <c>,</c> as its decimal separator
    /// (never as a thousands separator). Leading sign allowed, no exponent, surrounding blanks ignored.
    /// </summary>
    public static bool TryParseDouble(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        text = text.Trim();
        if (text.IsEmpty || text.Length > MaxNumberLength)
        {
            return false;
        }

        if (TryParseSimpleDecimal(text, out value))
        {
            return true;
        }

        Span<char> buffer = stackalloc char[MaxNumberLength];
        if (!TryNormalizeSeparator(text, buffer, out var normalized))
        {
            return false;
        }

        return double.TryParse(normalized, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value)
            && double.IsFinite(value);
    }

    /// <summary>Parses a percentage such as <c>48%</c>, <c>93.8</c> or <c>93,8</c> into its number (48, 93.8).</summary>
    public static bool TryParsePercent(ReadOnlySpan<char> text, out double value)
    {
        text = text.Trim();
        if (!text.IsEmpty && text[^1] == '%')
        {
            text = text[..^1];
        }

        return TryParseDouble(text, out value);
    }

    /// <summary>
    /// Parses a size cell into bytes: a non-negative decimal (<c>.</c> or <c>,</c>) with an optional
    /// one-letter binary suffix (<see cref="TryGetSuffixMultiplier"/>); without a suffix the value is
    /// in <paramref name="defaultMultiplier"/> bytes. The result is rounded half away from zero,
    /// e.g. <c>10.3g</c> gives 11059540787 and <c>2268</c> with <see cref="KiB"/> gives 2322432.
    /// </summary>
    public static bool TryParseSize(ReadOnlySpan<char> text, long defaultMultiplier, out long bytes)
    {
        bytes = 0;
        text = text.Trim();
        if (text.IsEmpty || defaultMultiplier <= 0)
        {
            return false;
        }

        var multiplier = defaultMultiplier;
        if (char.IsAsciiLetter(text[^1]))
        {
            if (!TryGetSuffixMultiplier(text[^1], out multiplier))
            {
                return false;
            }

            text = text[..^1];
        }

        // Fast path for the common whole-number cell ("2268"): no decimal arithmetic.
        if (text.Length <= 15 && TryParseWhole(text, out var whole))
        {
            if (whole > long.MaxValue / multiplier)
            {
                return false;
            }

            bytes = whole * multiplier;
            return true;
        }

        if (!TryParseDecimal(text, out var number) || number < 0)
        {
            return false;
        }

        // decimal holds up to ~7.9e28, so EiB times any sane cell value cannot overflow it.
        if (number > decimal.MaxValue / multiplier)
        {
            return false;
        }

        var product = decimal.Round(number * multiplier, 0, MidpointRounding.AwayFromZero);
        if (product > long.MaxValue)
        {
            return false;
        }

        bytes = (long)product;
        return true;
    }

    /// <summary>Like <see cref="TryParseSize"/>, but returns null when the cell cannot be read.</summary>
    public static long? ParseSizeOrNull(ReadOnlySpan<char> text, long defaultMultiplier) =>
        TryParseSize(text, defaultMultiplier, out var bytes) ? bytes : null;

    /// <summary>Like <see cref="TryParseDouble"/>, but returns null when the text cannot be read.</summary>
    public static double? ParseDoubleOrNull(ReadOnlySpan<char> text) =>
        TryParseDouble(text, out var value) ? value : null;

    /// <summary>Like <see cref="TryParsePercent"/>, but returns null when the text cannot be read.</summary>
    public static double? ParsePercentOrNull(ReadOnlySpan<char> text) =>
        TryParsePercent(text, out var value) ? value : null;

    /// <summary>
    /// Fast path for the cells utilities print most: <c>[-]digits[.|,digits]</c>, at most 15 digits.
    /// The digits form an integer below 2^53 and 10^k is exact, so one IEEE division gives the
    /// correctly rounded value, the same double that double.Parse returns.
    /// </summary>
    private static bool TryParseSimpleDecimal(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        var negative = text[0] == '-';
        var i = negative ? 1 : 0;
        if (i >= text.Length || text.Length - i > 16)
        {
            return false;
        }

        long mantissa = 0;
        var digits = 0;
        var fraction = -1;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            var d = c - '0';
            if ((uint)d <= 9)
            {
                mantissa = mantissa * 10 + d;
                digits++;
                if (fraction >= 0)
                {
                    fraction++;
                }
            }
            else if ((c == '.' || c == ',') && fraction < 0)
            {
                fraction = 0;
            }
            else
            {
                return false;
            }
        }

        if (digits == 0 || digits > 15 || fraction == 0)
        {
            return false;
        }

        double result = mantissa;
        if (fraction > 0)
        {
            result /= Pow10[fraction];
        }

        value = negative ? -result : result;
        return true;
    }

    private static readonly double[] Pow10 = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16 };

    /// <summary>ASCII digits only (at most 15, so no overflow).</summary>
    private static bool TryParseWhole(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                value = 0;
                return false;
            }

            value = value * 10 + (c - '0');
        }

        return true;
    }

    private static bool TryParseDecimal(ReadOnlySpan<char> text, out decimal value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > MaxNumberLength)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[MaxNumberLength];
        if (!TryNormalizeSeparator(text, buffer, out var normalized))
        {
            return false;
        }

        return decimal.TryParse(normalized, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// Returns the text with a decimal comma turned into a point. Text holding both separators,
    /// or more than one of either, is rejected: it would be a thousands separator.
    /// </summary>
    private static bool TryNormalizeSeparator(ReadOnlySpan<char> text, Span<char> buffer, out ReadOnlySpan<char> normalized)
    {
        normalized = text;
        var separators = 0;
        var comma = -1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.' || c == ',')
            {
                separators++;
                if (c == ',')
                {
                    comma = i;
                }
            }
        }

        if (separators > 1)
        {
            return false;
        }

        if (comma < 0)
        {
            return true;
        }

        text.CopyTo(buffer);
        buffer[comma] = '.';
        normalized = buffer[..text.Length];
        return true;
    }
}
