using System.Globalization;
using System.Text;

namespace Nudge.Engine.Tokenization;

/// <summary>
/// The few Python string semantics the CLIP reference tokenizer relies on, reproduced for .NET:
/// <c>str.isspace</c>/<c>str.strip()</c>, the <c>regex</c> module's <c>\s</c> class, and <c>str.lower()</c>
/// (full Unicode lowercasing, including the final-sigma rule and the two-character lowercase of U+0130).
/// </summary>
internal static class PythonText
{
    /// <summary>Characters for which Python's <c>str.isspace()</c> is true (what <c>str.strip()</c> removes).</summary>
    public static bool IsPythonSpace(char c) =>
        IsRegexWhiteSpace(c) || (c >= '\u001C' && c <= '\u001F');

    /// <summary>
    /// Characters matched by <c>\s</c> in the Python <c>regex</c> module on str patterns: the Unicode
    /// White_Space property. Unlike <c>str.isspace()</c> it excludes U+001C..U+001F; like it, it excludes
    /// U+200B (zero-width space), U+200D (zero-width joiner) and U+FEFF.
    /// </summary>
    public static bool IsRegexWhiteSpace(char c) => c switch
    {
        >= '\t' and <= '\r' => true,
        ' ' or '\u0085' or '\u00A0' or '\u1680' => true,
        >= '\u2000' and <= '\u200A' => true,
        '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' => true,
        _ => false,
    };

    /// <summary>Python's <c>str.strip()</c> without arguments.</summary>
    public static string Strip(string text)
    {
        int start = 0;
        int end = text.Length;
        while (start < end && IsPythonSpace(text[start]))
        {
            start++;
        }

        while (end > start && IsPythonSpace(text[end - 1]))
        {
            end--;
        }

        return start == 0 && end == text.Length ? text : text[start..end];
    }

    /// <summary>
    /// CLIP's <c>whitespace_clean</c>: <c>regex.sub(r'\s+', ' ', text).strip()</c>.
    /// </summary>
    public static string CollapseWhitespace(string text)
    {
        StringBuilder? builder = null;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (!IsRegexWhiteSpace(c))
            {
                builder?.Append(c);
                i++;
                continue;
            }

            int runEnd = i + 1;
            while (runEnd < text.Length && IsRegexWhiteSpace(text[runEnd]))
            {
                runEnd++;
            }

            if (builder is null && (c != ' ' || runEnd - i > 1))
            {
                builder = new StringBuilder(text.Length);
                builder.Append(text, 0, i);
            }

            builder?.Append(' ');
            i = runEnd;
        }

        return Strip(builder?.ToString() ?? text);
    }

    /// <summary>
    /// Python's <c>str.lower()</c>. .NET's invariant simple case mapping agrees with Python 3.11 on every
    /// code point except U+0130 (Python gives "i" + U+0307) and capital sigma, which Python lowers to
    /// final sigma (U+03C2) at the end of a word.
    /// </summary>
    public static string Lower(string text)
    {
        bool ascii = true;
        foreach (char c in text)
        {
            if (c >= 0x80)
            {
                ascii = false;
                break;
            }
        }

        if (ascii)
        {
            return text.ToLowerInvariant();
        }

        var builder = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out Rune rune, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                // A lone surrogate: Python keeps it as is.
                builder.Append(text[i]);
                i++;
                continue;
            }

            switch (rune.Value)
            {
                case 0x0130:
                    builder.Append('i').Append('\u0307');
                    break;
                case 0x03A3:
                    builder.Append(IsFinalSigma(text, i) ? '\u03C2' : '\u03C3');
                    break;
                default:
                    builder.Append(Rune.ToLowerInvariant(rune).ToString());
                    break;
            }

            i += consumed;
        }

        return builder.ToString();
    }

    /// <summary>
    /// Unicode's Final_Sigma condition as CPython applies it: preceded by a cased letter (skipping
    /// case-ignorable characters) and not followed by one.
    /// </summary>
    private static bool IsFinalSigma(string text, int index)
    {
        int j = index;
        bool precededByCased = false;
        while (j > 0)
        {
            Rune previous = RuneBefore(text, j, out int length);
            j -= length;
            if (!IsCaseIgnorable(previous))
            {
                precededByCased = IsCased(previous);
                break;
            }
        }

        if (!precededByCased)
        {
            return false;
        }

        j = index + 1;
        while (j < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(j), out Rune next, out int length);
            j += length;
            if (!IsCaseIgnorable(next))
            {
                return !IsCased(next);
            }
        }

        return true;
    }

    private static Rune RuneBefore(string text, int end, out int length)
    {
        Rune.DecodeLastFromUtf16(text.AsSpan(0, end), out Rune rune, out length);
        return rune;
    }

    // Approximation of the Unicode "Cased" property: letters with case, or anything with a case mapping.
    private static bool IsCased(Rune rune)
    {
        UnicodeCategory category = Rune.GetUnicodeCategory(rune);
        return category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            || Rune.ToLowerInvariant(rune) != rune
            || Rune.ToUpperInvariant(rune) != rune;
    }

    // Approximation of the Unicode "Case_Ignorable" property (Mn, Me, Cf, Lm, Sk and the word-internal
    // punctuation of Word_Break MidLetter/MidNumLet/Single_Quote).
    private static bool IsCaseIgnorable(Rune rune)
    {
        switch (rune.Value)
        {
            case '\'' or '.' or ':' or '\u00B7' or '\u0387' or '\u055F' or '\u05F4' or '\u2018' or '\u2019'
                or '\u2024' or '\u2027' or '\uFE13' or '\uFE52' or '\uFE55' or '\uFF07' or '\uFF0E' or '\uFF1A':
                return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
    }
}
