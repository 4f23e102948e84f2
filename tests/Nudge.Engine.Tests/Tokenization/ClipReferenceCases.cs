using System.Globalization;
using System.Text;
using System.Text.Json;
using Nudge.Engine.Tokenization;

namespace Nudge.Engine.Tests.Tokenization;

/// <summary>One prompt with the ids the original CLIP tokenizer gave it.</summary>
internal sealed record ClipReferenceCase(string File, int Index, string Text, int[] Ids, int[] InputIds77);

/// <summary>
/// The CLIP tokenizer reference data in shared/reference/clip-tokenizer: vocab.json, merges.txt,
/// tokenizer_config.json and every cases/*.json file.
/// </summary>
internal static class ClipReferenceCases
{
    private static readonly Lazy<ClipTokenizer> LazyTokenizer = new(() => ClipTokenizer.FromFolder(Folder));

    private static readonly Lazy<IReadOnlyList<ClipReferenceCase>> LazyCases = new(LoadAll);

    public static string Folder => Path.Combine(TestPaths.SharedReference, "clip-tokenizer");

    public static string CasesFolder => Path.Combine(Folder, "cases");

    /// <summary>The real CLIP tokenizer, loaded once for all tests.</summary>
    public static ClipTokenizer Tokenizer => LazyTokenizer.Value;

    public static IReadOnlyList<ClipReferenceCase> All => LazyCases.Value;

    /// <summary>One theory row per case in every cases/*.json: file name, index, and an ASCII preview of the text.</summary>
    public static TheoryData<string, int, string> Rows
    {
        get
        {
            var rows = new TheoryData<string, int, string>();
            foreach (ClipReferenceCase item in All)
            {
                rows.Add(item.File, item.Index, Preview(item.Text));
            }

            return rows;
        }
    }

    public static ClipReferenceCase Get(string file, int index) =>
        All.Single(item => item.File == file && item.Index == index);

    private static IReadOnlyList<ClipReferenceCase> LoadAll()
    {
        if (!Directory.Exists(CasesFolder))
        {
            throw new DirectoryNotFoundException(
                $"The CLIP tokenizer reference cases folder '{CasesFolder}' is missing. It is expected beside the repository " +
                $"(repository root '{TestPaths.RepoRoot}', then ../shared/reference/clip-tokenizer/cases).");
        }

        string[] files = Directory.GetFiles(CasesFolder, "*.json");
        Array.Sort(files, StringComparer.Ordinal);
        if (files.Length == 0)
        {
            throw new InvalidDataException($"The CLIP tokenizer reference cases folder '{CasesFolder}' holds no *.json file.");
        }

        var cases = new List<ClipReferenceCase>();
        foreach (string path in files)
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement list = document.RootElement.GetProperty("cases");
            int index = 0;
            foreach (JsonElement item in list.EnumerateArray())
            {
                cases.Add(new ClipReferenceCase(
                    Path.GetFileName(path),
                    index++,
                    ReadJsonString(item.GetProperty("text")),
                    [.. item.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32())],
                    [.. item.GetProperty("input_ids_77").EnumerateArray().Select(id => id.GetInt32())]));
            }

            if (index == 0)
            {
                throw new InvalidDataException($"The CLIP tokenizer reference case file '{path}' holds no case.");
            }
        }

        return cases;
    }

    /// <summary>
    /// Decodes a JSON string token by hand, so escaped lone surrogates (which Python's json writes and
    /// System.Text.Json refuses) come through as they are.
    /// </summary>
    private static string ReadJsonString(JsonElement element)
    {
        string raw = element.GetRawText();
        var text = new StringBuilder(raw.Length);
        for (int i = 1; i < raw.Length - 1; i++)
        {
            char c = raw[i];
            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            char escape = raw[++i];
            switch (escape)
            {
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'n': text.Append('\n'); break;
                case 'r': text.Append('\r'); break;
                case 't': text.Append('\t'); break;
                case 'u':
                    text.Append((char)int.Parse(raw.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: text.Append(escape); break;
            }
        }

        return text.ToString();
    }

    private static string Preview(string text)
    {
        var preview = new StringBuilder();
        foreach (char c in text.Length > 48 ? text[..48] + "..." : text)
        {
            preview.Append(c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:x4}");
        }

        return preview.ToString();
    }
}
