using System.Text;
using RunEscape.Lifecycle;
using RunEscape.Runtimes;

namespace RunEscape.Tests.Core;

/// <summary>The output buffer every runtime reads a capsule's output into: a cap, and UTF-8 decoded once.</summary>
public sealed class BoundedTextTests
{
    private static readonly UTF8Encoding Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private static BoundedText Fill(byte[] bytes, long max, int piece, long maxLines = long.MaxValue)
    {
        var text = new BoundedText(max, maxLines);
        for (var at = 0; at < bytes.Length; at += piece)
        {
            text.Append(bytes.AsSpan(at, Math.Min(piece, bytes.Length - at)));
        }

        return text;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(81920)]
    public void Multi_byte_characters_split_across_appends_and_segments_decode_whole(int piece)
    {
        // 40,000 × "aé€😀" is 400 KB: it crosses several segments (16 KiB, then doubling), and a
        // piece of 1 or 7 bytes splits every character across appends.
        var expected = string.Concat(Enumerable.Repeat("aé€😀\n", 40_000));
        var bytes = Encoding.UTF8.GetBytes(expected);

        var text = Fill(bytes, long.MaxValue, piece);

        Assert.False(text.Truncated);
        Assert.Equal(bytes.Length, text.Bytes);
        Assert.Equal(expected, text.Decode());
    }

    [Fact]
    public void Invalid_bytes_become_replacement_characters_exactly_as_the_framework_decodes_them()
    {
        var random = new Random(20261204);
        var bytes = new byte[300_000];
        random.NextBytes(bytes);

        var decoded = Fill(bytes, long.MaxValue, 4099).Decode();

        Assert.Equal(Lenient.GetString(bytes), decoded);
        Assert.Contains('\uFFFD', decoded);
    }

    [Fact]
    public void Output_of_exactly_the_cap_is_whole_and_one_byte_more_is_truncated_at_the_cap()
    {
        var bytes = Encoding.ASCII.GetBytes(new string('x', 5000));

        var exact = Fill(bytes, 5000, 1000);
        Assert.False(exact.Truncated);
        Assert.Equal(5000, exact.Decode().Length);

        var over = new BoundedText(4999);
        Assert.False(over.Append(bytes));
        Assert.True(over.Truncated);
        Assert.Equal(4999, over.Bytes);
        Assert.False(over.Append(new byte[] { (byte)'y' }));
        Assert.Equal(new string('x', 4999), over.Decode());
    }

    [Theory]
    [InlineData("ab€", 4, "ab")]          // € is 3 bytes: a cap of 4 keeps 1 of them, and it is dropped
    [InlineData("ab€", 3, "ab")]
    [InlineData("a😀b", 4, "a")]          // 😀 is 4 bytes (a surrogate pair in UTF-16): no half pair
    [InlineData("aé€😀", 10, "aé€😀")]     // exactly the cap: whole
    public void A_character_cut_by_the_cap_is_dropped_not_decoded_to_a_replacement_character(string input, long cap, string expected)
    {
        var text = new BoundedText(cap);
        text.Append(Encoding.UTF8.GetBytes(input + "z"));

        Assert.True(text.Truncated);
        Assert.Equal(expected, text.Decode());
    }

    [Fact]
    public void Output_that_really_ends_mid_character_still_ends_in_a_replacement_character()
    {
        var bytes = Encoding.UTF8.GetBytes("ab€")[..3];   // the utility stopped after the first byte of €

        var text = new BoundedText(1024);
        text.Append(bytes);

        Assert.False(text.Truncated);
        Assert.Equal("ab\uFFFD", text.Decode());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(81920)]
    public void The_line_cap_keeps_exactly_that_many_lines_whatever_the_pieces(int piece)
    {
        var bytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("y\n", 200_000)));

        var exact = Fill(bytes, long.MaxValue, piece, maxLines: 200_000);
        Assert.False(exact.Truncated);
        Assert.Equal(200_000, exact.Lines);

        var over = Fill(bytes, long.MaxValue, piece, maxLines: 1000);
        Assert.True(over.Truncated);
        Assert.Equal(OutputLimit.Lines, over.TruncatedBy);
        Assert.Equal(1000, over.Lines);
        Assert.Equal(2000, over.Bytes);
        Assert.Equal(string.Concat(Enumerable.Repeat("y\n", 1000)), over.Decode());
    }

    [Fact]
    public void A_byte_after_the_last_allowed_line_is_past_the_line_cap_even_without_a_line_feed()
    {
        var text = new BoundedText(1024, maxLines: 2);

        Assert.True(text.Append("one\ntwo\n"u8));
        Assert.False(text.Truncated);
        Assert.False(text.Append("t"u8));
        Assert.Equal(OutputLimit.Lines, text.TruncatedBy);
        Assert.Equal("one\ntwo\n", text.Decode());

        // A last line without its line feed is a line, and it fits.
        var unterminated = new BoundedText(1024, maxLines: 2);
        Assert.True(unterminated.Append("one\ntwo"u8));
        Assert.Equal("one\ntwo", unterminated.Decode());
    }

    [Fact]
    public void Whichever_cap_comes_first_cuts_and_is_named()
    {
        var lines = new BoundedText(1024, maxLines: 3);
        lines.Append("a\nb\nc\nd\n"u8);
        Assert.Equal(OutputLimit.Lines, lines.TruncatedBy);
        Assert.Equal("a\nb\nc\n", lines.Decode());

        var bytes = new BoundedText(5, maxLines: 3);
        bytes.Append("a\nb\nc\nd\n"u8);
        Assert.Equal(OutputLimit.Bytes, bytes.TruncatedBy);
        Assert.Equal("a\nb\nc", bytes.Decode());

        // Both at once: the kept lines are whole, so it is the line cap that is named.
        var both = new BoundedText(4, maxLines: 2);
        both.Append("a\nb\nc\n"u8);
        Assert.Equal(OutputLimit.Lines, both.TruncatedBy);
        Assert.Equal("a\nb\n", both.Decode());
    }

    [Fact]
    public void Nothing_read_is_the_empty_string()
    {
        Assert.Same(string.Empty, new BoundedText(1024).Decode());
    }
}
