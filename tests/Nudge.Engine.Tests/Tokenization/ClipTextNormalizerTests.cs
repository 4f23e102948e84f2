using Nudge.Engine.Tokenization;

namespace Nudge.Engine.Tests.Tokenization;

/// <summary>
/// The CLIP clean-up (ftfy.fix_text, html.unescape twice, strip, whitespace collapse, str.lower). Expected
/// values were checked against Python 3.11 (html, unicodedata, str.lower and the regex module) with
/// ftfy 6.3.1's fixers.
/// </summary>
public sealed class ClipTextNormalizerTests
{
    private static string Normalize(string text) => ClipTextNormalizer.Instance.Normalize(text);

    [Theory]
    [InlineData("  A\tB\nC\u00a0D\u3000E\u2003F  ", "a b c d e f")]
    [InlineData("line1\r\nline2\u2028line3\u0085x", "line1 line2 line3\u2026x")]
    [InlineData("\u001c a \u001f", "a")]
    public void Collapses_every_unicode_whitespace_run_to_one_space(string text, string expected)
    {
        Assert.Equal(expected, Normalize(text));
    }

    [Fact]
    public void Keeps_zero_width_space_and_joiner_which_are_not_whitespace()
    {
        Assert.Equal("a\u200bb\u200dc", Normalize("a\u200bb\u200dc"));
    }

    [Theory]
    [InlineData("\u201cHello\u201d \u2018world\u2019 it\u2019s", "\"hello\" 'world' it's")]
    [InlineData("\u201e\u201f\u201a\u201b\u02bc", "\"\"'''")]
    [InlineData("\u0092quoted\u0093", "'quoted\"")]
    public void Straightens_curly_quotes(string text, string expected)
    {
        Assert.Equal(expected, Normalize(text));
    }

    [Theory]
    [InlineData("\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33", "loud noises")]
    [InlineData("\uff35\uff80\uff70\uff9d", "u\u30bf\u30fc\u30f3")]
    [InlineData("\uff8a\uff9f\uff9d", "\u30d1\u30f3")]
    [InlineData("\uff01\uff06\uff5e", "!&~")]
    public void Turns_fullwidth_and_halfwidth_forms_into_standard_width(string text, string expected)
    {
        Assert.Equal(expected, Normalize(text));
    }

    [Theory]
    [InlineData("e\u0301", "\u00e9")]
    [InlineData("\ufb02u\ufb03e\ufb06", "fluffiest")]
    public void Composes_to_nfc_and_splits_latin_ligatures(string text, string expected)
    {
        Assert.Equal(expected, Normalize(text));
    }

    [Theory]
    [InlineData("rock &amp; roll", "rock & roll")]
    [InlineData("rock &amp roll", "rock & roll")]
    [InlineData("&amp;amp;lt;", "<")]
    [InlineData("P&EACUTE;REZ", "p\u00e9rez")]
    [InlineData("&#x2019;s", "'s")]
    [InlineData("&#128; &hellip; &nbsp;x", "\u20ac \u2026 x")]
    [InlineData("&#0;&#xD800;&#1114112;&#1;", "\ufffd\ufffd\ufffd")]
    [InlineData("&notanentity; &zzz; &amp", "\u00acanentity; &zzz; &")]
    public void Decodes_html_entities_like_ftfy_and_python_html_unescape(string text, string expected)
    {
        Assert.Equal(expected, Normalize(text));
    }

    [Theory]
    [InlineData("<b>bold</b> &amp; &lt;", "<b>bold</b> & <")]
    [InlineData("<i> it&rsquo;s", "<i> it\u2019s")]
    [InlineData("<i> P&EACUTE;REZ", "<i> p&eacute;rez")]
    [InlineData("fine &rsquo;\n<i> it&rsquo;s", "fine ' <i> it\u2019s")]
    public void Leaves_entity_decoding_to_html_unescape_once_a_line_has_a_tag(string text, string expected)
    {
        Assert.Equal(expected, Normalize(text));
    }

    [Theory]
    [InlineData("a\u0000b\u0007c\u001bd\ufeffe\u206ff", "abcdef")]
    [InlineData("\u001b[31mred\u001b[0m", "red")]
    public void Drops_control_characters_and_terminal_escapes(string text, string expected)
    {
        Assert.Equal(expected, Normalize(text));
    }

    [Fact]
    public void Replaces_lone_surrogates()
    {
        // Built in code: a lone surrogate does not survive xunit's serialization of inline data.
        string text = "x" + '\ud800' + "y" + '\udc00';

        Assert.Equal("x\ufffdy\ufffd", Normalize(text));
    }

    [Theory]
    [InlineData("\u0130stanbul", "i\u0307stanbul")]
    [InlineData("\u039f\u0394\u039f\u03a3 \u03a3\u0391\u03a3", "\u03bf\u03b4\u03bf\u03c2 \u03c3\u03b1\u03c2")]
    [InlineData("\u00dcBER \u1e9e \u01c5", "\u00fcber \u00df d\u017e")]
    [InlineData("\U00010400", "\U00010428")]
    public void Lower_cases_like_python(string text, string expected)
    {
        Assert.Equal(expected, Normalize(text));
    }

    [Fact]
    public void Keeps_case_when_lower_casing_is_off()
    {
        Assert.Equal("A Cat", new ClipTextNormalizer(lowerCase: false).Normalize("  A \u00a0Cat "));
    }
}
