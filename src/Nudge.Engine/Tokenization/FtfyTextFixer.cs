using System.Collections.Frozen;
using System.Text;
using System.Text.RegularExpressions;

namespace Nudge.Engine.Tokenization;

/// <summary>
/// The parts of <c>ftfy.fix_text</c> (ftfy 6.3.1, default configuration) that change ordinary prompts, in
/// ftfy's order and repeated until the text stops changing, one line at a time:
/// HTML entity decoding (only while no line so far has held a '&lt;'), C1 controls read as Windows-1252,
/// Latin ligatures split, fullwidth/halfwidth forms and U+3000 made standard width, curly quotes
/// straightened, line breaks unified, lone surrogates replaced, terminal escapes and invisible control
/// characters removed, and NFC normalisation.
/// </summary>
/// <remarks>
/// Not reproduced: ftfy's mojibake detection and re-decoding (<c>fix_encoding</c>, with
/// <c>restore_byte_a0</c>, <c>replace_lossy_sequences</c> and <c>decode_inconsistent_utf8</c>), which
/// relies on a statistical "badness" heuristic. Text that is already valid Unicode, which is what prompts
/// are, is left alone by that step.
/// </remarks>
internal static partial class FtfyTextFixer
{
    private const int MaxDecodeLength = 1_000_000;
    private const int MaxPasses = 16;

    private static readonly FrozenDictionary<char, string> Ligatures = new Dictionary<char, string>
    {
        ['\u0132'] = "IJ", ['\u0133'] = "ij", ['\u0149'] = "\u02BCn",
        ['\u01F1'] = "DZ", ['\u01F2'] = "Dz", ['\u01F3'] = "dz",
        ['\u01C4'] = "D\u017D", ['\u01C5'] = "D\u017E", ['\u01C6'] = "d\u017E",
        ['\u01C7'] = "LJ", ['\u01C8'] = "Lj", ['\u01C9'] = "lj",
        ['\u01CA'] = "NJ", ['\u01CB'] = "Nj", ['\u01CC'] = "nj",
        ['\uFB00'] = "ff", ['\uFB01'] = "fi", ['\uFB02'] = "fl", ['\uFB03'] = "ffi", ['\uFB04'] = "ffl",
        ['\uFB05'] = "\u017Ft", ['\uFB06'] = "st",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<char, string> WidthMap = BuildWidthMap();

    /// <summary>Applies the reproduced <c>ftfy.fix_text</c> steps to <paramref name="text"/>.</summary>
    public static string FixText(string text)
    {
        if (IsPlainAscii(text))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        bool unescapeHtml = true;
        int position = 0;
        while (position < text.Length)
        {
            int lineBreak = text.IndexOf('\n', position);
            int end = lineBreak < 0 ? text.Length : lineBreak + 1;
            if (end - position > MaxDecodeLength)
            {
                end = position + MaxDecodeLength;
            }

            string segment = text[position..end];

            // ftfy's "auto" HTML unescaping switches off for this and every later segment once one holds a '<'.
            if (unescapeHtml && segment.Contains('<', StringComparison.Ordinal))
            {
                unescapeHtml = false;
            }

            result.Append(FixSegment(segment, unescapeHtml));
            position = end;
        }

        return result.ToString();
    }

    private static string FixSegment(string text, bool unescapeHtml)
    {
        for (int pass = 0; pass < MaxPasses; pass++)
        {
            string original = text;
            if (unescapeHtml)
            {
                text = UnescapeHtml(text);
            }

            text = FixC1Controls(text);
            text = Translate(text, Ligatures);
            text = Translate(text, WidthMap);
            text = UncurlQuotes(text);
            text = FixLineBreaks(text);
            text = FixSurrogates(text);
            text = RemoveTerminalEscapes(text);
            text = RemoveControlChars(text);
            if (!text.IsNormalized(NormalizationForm.FormC))
            {
                text = text.Normalize(NormalizationForm.FormC);
            }

            if (string.Equals(text, original, StringComparison.Ordinal))
            {
                break;
            }
        }

        return text;
    }

    /// <summary>Nothing in ftfy's steps touches printable ASCII, tab and line feed without '&amp;'.</summary>
    private static bool IsPlainAscii(string text)
    {
        foreach (char c in text)
        {
            if (c is (< ' ' and not '\t' and not '\n') or >= '\u007F' or '&')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>ftfy's <c>unescape_html</c>: well-formed references only, including all-caps names.</summary>
    private static string UnescapeHtml(string text)
    {
        if (!text.Contains('&', StringComparison.Ordinal))
        {
            return text;
        }

        return FtfyEntityRegex().Replace(text, static match =>
        {
            string reference = match.Value;
            if (PythonHtml.TryGetFtfyEntity(reference[1..], out string value))
            {
                return value;
            }

            if (reference.StartsWith("&#", StringComparison.Ordinal))
            {
                string unescaped = PythonHtml.Unescape(reference);
                return unescaped.Contains(';', StringComparison.Ordinal) ? reference : unescaped;
            }

            return reference;
        });
    }

    private static string FixC1Controls(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\u0080', '\u009F'))
        {
            return text;
        }

        return string.Create(text.Length, text, static (destination, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                char c = source[i];
                destination[i] = c is >= '\u0080' and <= '\u009F' ? PythonHtml.SloppyWindows1252C1[c - 0x80] : c;
            }
        });
    }

    private static string UncurlQuotes(string text)
    {
        if (!text.AsSpan().ContainsAny("\u02BC\u2018\u2019\u201A\u201B\u201C\u201D\u201E\u201F"))
        {
            return text;
        }

        return string.Create(text.Length, text, static (destination, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                char c = source[i];
                destination[i] = c switch
                {
                    '\u02BC' or (>= '\u2018' and <= '\u201B') => '\'',
                    >= '\u201C' and <= '\u201F' => '"',
                    _ => c,
                };
            }
        });
    }

    private static string FixLineBreaks(string text)
    {
        if (!text.AsSpan().ContainsAny("\r\u2028\u2029\u0085"))
        {
            return text;
        }

        return text.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace('\r', '\n')
            .Replace('\u2028', '\n')
            .Replace('\u2029', '\n')
            .Replace('\u0085', '\n');
    }

    private static string FixSurrogates(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[i + 1]);
                i++;
            }
            else
            {
                builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }

    private static string RemoveTerminalEscapes(string text) =>
        text.Contains('\u001B', StringComparison.Ordinal) ? AnsiEscapeRegex().Replace(text, string.Empty) : text;

    private static bool IsRemovedControlChar(char c) =>
        c is (<= '\u0008') or '\u000B' or (>= '\u000E' and <= '\u001F') or '\u007F'
            or (>= '\u206A' and <= '\u206F') or '\uFEFF' or (>= '\uFFF9' and <= '\uFFFC');

    private static string RemoveControlChars(string text)
    {
        int first = 0;
        while (first < text.Length && !IsRemovedControlChar(text[first]))
        {
            first++;
        }

        if (first == text.Length)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        builder.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            if (!IsRemovedControlChar(text[i]))
            {
                builder.Append(text[i]);
            }
        }

        return builder.ToString();
    }

    private static string Translate(string text, FrozenDictionary<char, string> map)
    {
        StringBuilder? builder = null;
        for (int i = 0; i < text.Length; i++)
        {
            if (map.TryGetValue(text[i], out string? replacement))
            {
                builder ??= new StringBuilder(text.Length).Append(text, 0, i);
                builder.Append(replacement);
            }
            else
            {
                builder?.Append(text[i]);
            }
        }

        return builder?.ToString() ?? text;
    }

    /// <summary>ftfy's WIDTH_MAP: U+3000 to a space, and U+FF01..U+FFEF to their NFKC forms where those differ.</summary>
    private static FrozenDictionary<char, string> BuildWidthMap()
    {
        var map = new Dictionary<char, string> { ['\u3000'] = " " };
        for (char c = '\uFF01'; c < '\uFFF0'; c++)
        {
            string original = c.ToString();
            string alternate = original.Normalize(NormalizationForm.FormKC);
            if (!string.Equals(alternate, original, StringComparison.Ordinal))
            {
                map[c] = alternate;
            }
        }

        return map.ToFrozenDictionary();
    }

    // ftfy: HTML_ENTITY_RE = re.compile(r"&#?[0-9A-Za-z]{1,24};")
    [GeneratedRegex("&#?[0-9A-Za-z]{1,24};", RegexOptions.CultureInvariant)]
    private static partial Regex FtfyEntityRegex();

    // ftfy: ANSI_RE = re.compile('\033\\[((?:\\d|;)*)([a-zA-Z])')
    [GeneratedRegex(@"\u001B\[(?:\d|;)*[a-zA-Z]", RegexOptions.CultureInvariant)]
    private static partial Regex AnsiEscapeRegex();
}
