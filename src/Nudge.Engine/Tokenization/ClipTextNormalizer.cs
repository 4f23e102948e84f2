using Microsoft.ML.Tokenizers;

namespace Nudge.Engine.Tokenization;

/// <summary>
/// Cleans prompt text the way the original CLIP tokenizer does before splitting it:
/// <c>ftfy.fix_text</c>, two more rounds of HTML unescaping (<c>html.unescape</c>), stripping, collapsing every
/// run of Unicode whitespace to one space, and (by default) Python-style lower-casing.
/// </summary>
/// <remarks>
/// <para>
/// The ftfy step is reproduced for everything that affects valid Unicode text: NFC normalisation, curly
/// quotes to straight ones (U+2018..U+201F, U+02BC), fullwidth ASCII (U+FF01..U+FF5E) and the other
/// fullwidth/halfwidth forms up to U+FFEF to their NFKC forms and U+3000 to a space, Latin ligatures split,
/// C1 controls read as Windows-1252, line breaks unified, invisible control characters and terminal
/// escapes removed, and HTML entities decoded when the line (and every earlier line) has no '&lt;'.
/// ftfy's mojibake repair (re-decoding text that was decoded with the wrong code page) is not reproduced.
/// </para>
/// <para>
/// Whitespace follows Python's <c>regex</c> module: tabs, line breaks, U+00A0, U+2000..U+200A, U+3000 and
/// the other White_Space characters collapse to a space; U+200B, U+200D and U+FEFF do not count as
/// whitespace. Lower-casing follows Python's <c>str.lower()</c>, including final sigma and U+0130.
/// </para>
/// <para>Instances are immutable and safe to share between threads.</para>
/// </remarks>
public sealed class ClipTextNormalizer : Normalizer
{
    /// <summary>A shared lower-casing instance, as CLIP uses.</summary>
    public static ClipTextNormalizer Instance { get; } = new();

    /// <summary>Creates a normalizer.</summary>
    /// <param name="lowerCase">Whether to lower-case the cleaned text (CLIP's <c>do_lower_case</c>).</param>
    public ClipTextNormalizer(bool lowerCase = true)
    {
        LowerCase = lowerCase;
    }

    /// <summary>Whether the cleaned text is lower-cased.</summary>
    public bool LowerCase { get; }

    /// <summary>Cleans <paramref name="original"/> as the CLIP reference does.</summary>
    /// <param name="original">The prompt text.</param>
    /// <returns>The cleaned text, ready for <see cref="ClipPreTokenizer"/>.</returns>
    public override string Normalize(string original)
    {
        ArgumentNullException.ThrowIfNull(original);
        string text = FtfyTextFixer.FixText(original);
        text = PythonHtml.Unescape(PythonHtml.Unescape(text));
        text = PythonText.Strip(text);
        text = PythonText.CollapseWhitespace(text);
        return LowerCase ? PythonText.Lower(text) : text;
    }

    /// <summary>Cleans <paramref name="original"/> as the CLIP reference does.</summary>
    /// <param name="original">The prompt text.</param>
    /// <returns>The cleaned text, ready for <see cref="ClipPreTokenizer"/>.</returns>
    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
}
