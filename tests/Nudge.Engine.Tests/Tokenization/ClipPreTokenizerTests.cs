using Nudge.Engine.Tokenization;

namespace Nudge.Engine.Tests.Tokenization;

/// <summary>
/// CLIP's split pattern, as Python's regex module applies it (case-insensitive, code point by code point).
/// Expected pieces were checked against regex 2022.10.31.
/// </summary>
public sealed class ClipPreTokenizerTests
{
    private static string[] Split(string text) =>
        [.. ClipPreTokenizer.Instance.PreTokenize(text).Select(piece => text.Substring(piece.Offset, piece.Length))];

    [Theory]
    [InlineData("we're they've i'm you'll she'd isn't", new[] { "we", "'re", "they", "'ve", "i", "'m", "you", "'ll", "she", "'d", "isn", "'t" })]
    [InlineData("'single ''s it'\u017f don't", new[] { "'s", "ingle", "''", "s", "it", "'\u017f", "don", "'t" })]
    public void Splits_contractions_even_at_the_start_of_a_word(string text, string[] expected)
    {
        Assert.Equal(expected, Split(text));
    }

    [Theory]
    [InlineData("year 2023", new[] { "year", "2", "0", "2", "3" })]
    [InlineData("\u00bd\u2167", new[] { "\u00bd", "\u2167" })]
    [InlineData("f/1.8", new[] { "f", "/", "1", ".", "8" })]
    public void Makes_every_number_character_its_own_piece(string text, string[] expected)
    {
        Assert.Equal(expected, Split(text));
    }

    [Theory]
    [InlineData("a\U0001D4A5b \U0001D7CF\U0001D7D0", new[] { "a\U0001D4A5b", "\U0001D7CF", "\U0001D7D0" })]
    [InlineData("\U0001F436!! x\U0001F333", new[] { "\U0001F436!!", "x", "\U0001F333" })]
    public void Classes_characters_outside_the_bmp_by_code_point(string text, string[] expected)
    {
        Assert.Equal(expected, Split(text));
    }

    [Theory]
    [InlineData("(<|endoftext|>) <|startoftext|>x", new[] { "(<|", "endoftext", "|>)", "<|startoftext|>", "x" })]
    [InlineData("a<|endoftext|>", new[] { "a", "<|endoftext|>" })]
    public void Keeps_special_token_literals_whole_where_a_piece_starts(string text, string[] expected)
    {
        Assert.Equal(expected, Split(text));
    }

    [Theory]
    [InlineData("a\u200bb", new[] { "a", "\u200b", "b" })]
    [InlineData("a\u0345b", new[] { "a", "b" })]
    public void Drops_only_what_the_reference_pattern_cannot_match(string text, string[] expected)
    {
        Assert.Equal(expected, Split(text));
    }
}
