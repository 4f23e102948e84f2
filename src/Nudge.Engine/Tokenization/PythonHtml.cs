using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Nudge.Engine.Tokenization;

/// <summary>
/// Python's <c>html.unescape</c>, reproduced: the full WHATWG list of named references (with the legacy
/// spellings that need no ';' and the longest-prefix rule for them), numeric references with the
/// Windows-1252 replacements for 0x80..0x9F, U+FFFD for surrogates and out-of-range numbers, and removal of
/// the code points HTML calls invalid. <see cref="System.Net.WebUtility.HtmlDecode(string)"/> differs on
/// several of these (no '&amp;amp' without ';', HTML 4 names only), so it is not used.
/// </summary>
internal static partial class PythonHtml
{
    private const string ResourceName = "Nudge.Engine.Tokenization.HtmlEntities.txt";

    private static readonly Lazy<EntityTables> Tables = new(LoadTables, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>What Windows-1252 makes of the bytes 0x80..0x9F, keeping its five undefined bytes as the C1 controls themselves.</summary>
    internal static ReadOnlySpan<char> SloppyWindows1252C1 =>
    [
        '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
        '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
        '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
        '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
    ];

    /// <summary>Python's <c>html.unescape(text)</c>.</summary>
    public static string Unescape(string text)
    {
        if (!text.Contains('&', StringComparison.Ordinal))
        {
            return text;
        }

        return CharRefRegex().Replace(text, static match => ReplaceCharRef(match.Groups[1].Value));
    }

    /// <summary>
    /// The entity table ftfy 6.3.1 decodes in <c>unescape_html</c>: every WHATWG name that ends in ';',
    /// plus all-caps spellings of lower-case names. The key is the reference without its leading '&amp;'.
    /// </summary>
    internal static bool TryGetFtfyEntity(string nameWithSemicolon, out string value)
    {
        EntityTables tables = Tables.Value;
        if (nameWithSemicolon.EndsWith(';') && tables.Html5.TryGetValue(nameWithSemicolon, out string? found))
        {
            value = found;
            return true;
        }

        if (tables.FtfyUpperCase.TryGetValue(nameWithSemicolon, out found))
        {
            value = found;
            return true;
        }

        value = string.Empty;
        return false;
    }

    private static string ReplaceCharRef(string reference)
    {
        if (reference[0] == '#')
        {
            bool hex = reference.Length > 1 && (reference[1] == 'x' || reference[1] == 'X');
            ReadOnlySpan<char> digits = reference.AsSpan(hex ? 2 : 1).TrimEnd(';');
            int number = ParseCodePoint(digits, hex);
            if (number == 0x00)
            {
                return "\uFFFD";
            }

            if (number == 0x0D)
            {
                return "\r";
            }

            if (number is >= 0x80 and <= 0x9F)
            {
                return SloppyWindows1252C1[number - 0x80].ToString();
            }

            if (number is (>= 0xD800 and <= 0xDFFF) or > 0x10FFFF)
            {
                return "\uFFFD";
            }

            if (IsInvalidCodePoint(number))
            {
                return string.Empty;
            }

            return char.ConvertFromUtf32(number);
        }

        Dictionary<string, string> html5 = Tables.Value.Html5;
        if (html5.TryGetValue(reference, out string? value))
        {
            return value;
        }

        // The longest prefix (of at least two characters) that is a legacy name without ';'.
        for (int length = reference.Length - 1; length > 1; length--)
        {
            if (html5.TryGetValue(reference[..length], out value))
            {
                return value + reference[length..];
            }
        }

        return "&" + reference;
    }

    /// <summary>The value of a run of digits, or int.MaxValue when it is beyond any code point.</summary>
    private static int ParseCodePoint(ReadOnlySpan<char> digits, bool hex)
    {
        long value = 0;
        foreach (char c in digits)
        {
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 0,
            };
            value = (value * (hex ? 16 : 10)) + digit;
            if (value > 0x10FFFF)
            {
                return int.MaxValue;
            }
        }

        return (int)value;
    }

    private static bool IsInvalidCodePoint(int number) =>
        number is (>= 0x01 and <= 0x08) or 0x0B or (>= 0x0E and <= 0x1F) or (>= 0x7F and <= 0x9F) or (>= 0xFDD0 and <= 0xFDEF)
        || (number & 0xFFFE) == 0xFFFE;

    private static EntityTables LoadTables()
    {
        using Stream stream = typeof(PythonHtml).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource '{ResourceName}' is missing from {typeof(PythonHtml).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var html5 = new Dictionary<string, string>(2300, StringComparer.Ordinal);
        var upper = new Dictionary<string, string>(1400, StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string[] fields = line.Split('\t');
            var value = new StringBuilder(2);
            foreach (string codePoint in fields[2].Split(' '))
            {
                value.Append(char.ConvertFromUtf32(int.Parse(codePoint, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }

            (fields[0] == "h" ? html5 : upper)[fields[1]] = value.ToString();
        }

        return new EntityTables(html5, upper);
    }

    // Python: r'&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)'
    [GeneratedRegex(@"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)", RegexOptions.CultureInvariant)]
    private static partial Regex CharRefRegex();

    private sealed record EntityTables(Dictionary<string, string> Html5, Dictionary<string, string> FtfyUpperCase);
}
