using System.Text;
using RunEscape.Runtimes;

namespace RunEscape.Tests.Core;

/// <summary>The output buffer every runtime reads a capsule's output into: a cap, and UTF-8 decoded once.</summary>
public sealed class BoundedTextTests
{
    private static readonly UTF8Encoding Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private static BoundedText Fill(byte[] bytes, long max, int piece)
    {
        var text = new BoundedText(max);
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

    [Fact]
    public void A_character_cut_by_the_cap_ends_in_one_replacement_character()
    {
        var bytes = Encoding.UTF8.GetBytes("ab€");   // € is 3 bytes; a cap of 4 keeps 1 of them

        var text = new BoundedText(4);
        text.Append(bytes);

        Assert.True(text.Truncated);
        Assert.Equal("ab\uFFFD", text.Decode());
    }

    [Fact]
    public void Nothing_read_is_the_empty_string()
    {
        Assert.Same(string.Empty, new BoundedText(1024).Decode());
    }
}
