using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Nudge.Engine.Tokenization;

/// <summary>
/// Splits cleaned text into the pieces CLIP runs BPE on. It reproduces the reference's case-insensitive
/// Python <c>regex</c> pattern
/// <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// (alternatives tried in that order at each position, whitespace dropped) by scanning Unicode code
/// points rather than UTF-16 units, so letters and digits outside the Basic Multilingual Plane
/// (for example U+1D4A5 or U+1D7CF) are classed as the reference classes them. Like the reference, it
/// drops U+0345, which that pattern cannot match.
/// </summary>
/// <remarks>
/// Case-insensitivity only matters for text that was not lower-cased; it follows Python's simple case
/// folding, so <c>'ſ</c> (long s) also counts as the contraction <c>'s</c>, as in the reference.
/// Letter and number classes come from .NET's Unicode tables, which agree with the reference's for every
/// character assigned up to Unicode 15. Instances are immutable and thread-safe.
/// </remarks>
public sealed class ClipPreTokenizer : PreTokenizer
{
    private static readonly string[] DefaultSpecialTokens = ["<|startoftext|>", "<|endoftext|>"];

    private static readonly string[] Contractions = ["s", "t", "re", "ve", "m", "ll", "d"];

    private readonly string[] _specialTokens;

    /// <summary>The CLIP pre-tokenizer, matching <c>&lt;|startoftext|&gt;</c> and <c>&lt;|endoftext|&gt;</c> as whole pieces.</summary>
    public static ClipPreTokenizer Instance { get; } = new();

    /// <summary>Creates a pre-tokenizer.</summary>
    /// <param name="specialTokens">
    /// Literals kept as single pieces wherever a piece starts with them (matched ignoring ASCII case);
    /// by default CLIP's <c>&lt;|startoftext|&gt;</c> and <c>&lt;|endoftext|&gt;</c>.
    /// </param>
    public ClipPreTokenizer(IEnumerable<string>? specialTokens = null)
    {
        _specialTokens = specialTokens is null
            ? DefaultSpecialTokens
            : [.. specialTokens.Where(token => !string.IsNullOrEmpty(token)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The literals kept as single pieces.</summary>
    public IReadOnlyList<string> SpecialTokens => _specialTokens;

    /// <summary>Splits <paramref name="text"/> into pieces.</summary>
    /// <param name="text">Cleaned text (see <see cref="ClipTextNormalizer"/>).</param>
    /// <returns>The offset and length of each piece, in UTF-16 units of <paramref name="text"/>.</returns>
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Split(text);
    }

    /// <summary>Splits <paramref name="text"/> into pieces.</summary>
    /// <param name="text">Cleaned text (see <see cref="ClipTextNormalizer"/>).</param>
    /// <returns>The offset and length of each piece, in UTF-16 units of <paramref name="text"/>.</returns>
    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text);

    /// <summary>Splits <paramref name="text"/> into pieces (offset and length in UTF-16 units).</summary>
    internal List<(int Offset, int Length)> Split(ReadOnlySpan<char> text)
    {
        var pieces = new List<(int Offset, int Length)>();
        int i = 0;
        while (i < text.Length)
        {
            CharClass current = Classify(text, i, out int width);
            if (current == CharClass.Skipped)
            {
                i += width;
                continue;
            }

            int length = MatchSpecialToken(text, i);
            if (length == 0 && text[i] == '\'')
            {
                length = MatchContraction(text, i);
            }

            if (length == 0)
            {
                length = width;
                if (current != CharClass.Number)
                {
                    // [\p{L}]+ or [^\s\p{L}\p{N}]+: extend while the class stays the same.
                    while (i + length < text.Length && Classify(text, i + length, out int next) == current)
                    {
                        length += next;
                    }
                }
            }

            pieces.Add((i, length));
            i += length;
        }

        return pieces;
    }

    private int MatchSpecialToken(ReadOnlySpan<char> text, int start)
    {
        foreach (string token in _specialTokens)
        {
            if (MatchesIgnoringCase(text[start..], token))
            {
                return token.Length;
            }
        }

        return 0;
    }

    private static int MatchContraction(ReadOnlySpan<char> text, int apostrophe)
    {
        ReadOnlySpan<char> rest = text[(apostrophe + 1)..];
        foreach (string suffix in Contractions)
        {
            if (MatchesIgnoringCase(rest, suffix))
            {
                return suffix.Length + 1;
            }
        }

        return 0;
    }

    /// <summary>Whether <paramref name="text"/> starts with <paramref name="literal"/> under Python's simple case folding.</summary>
    private static bool MatchesIgnoringCase(ReadOnlySpan<char> text, string literal)
    {
        if (text.Length < literal.Length)
        {
            return false;
        }

        for (int i = 0; i < literal.Length; i++)
        {
            if (!SameIgnoringCase(text[i], literal[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameIgnoringCase(char c, char literal)
    {
        if (c == literal || char.ToLowerInvariant(c) == char.ToLowerInvariant(literal))
        {
            return true;
        }

        // Characters whose simple case folding is an ASCII letter: long s and the Kelvin sign.
        char lower = char.ToLowerInvariant(literal);
        return (c == '\u017F' && lower == 's') || (c == '\u212A' && lower == 'k');
    }

    private static CharClass Classify(ReadOnlySpan<char> text, int index, out int width)
    {
        if (Rune.DecodeFromUtf16(text[index..], out Rune rune, out width) != System.Buffers.OperationStatus.Done)
        {
            // A lone surrogate is neither whitespace, letter nor number.
            width = 1;
            return CharClass.Other;
        }

        // Whitespace is dropped. So is U+0345 (combining ypogegrammeni): under IGNORECASE the reference's
        // regex module matches it with neither [\p{L}] nor [^\s\p{L}\p{N}] (it case-folds to a Greek
        // letter while being a mark), so findall skips it; it is the only such code point.
        if (rune.IsBmp && (PythonText.IsRegexWhiteSpace((char)rune.Value) || rune.Value == 0x0345))
        {
            return CharClass.Skipped;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharClass.Number,
            _ => CharClass.Other,
        };
    }

    private enum CharClass
    {
        Skipped,
        Letter,
        Number,
        Other,
    }
}
