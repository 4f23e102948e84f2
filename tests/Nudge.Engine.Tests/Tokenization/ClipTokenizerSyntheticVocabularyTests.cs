using System.Text;
using System.Text.Json;
using Nudge.Engine.Tokenization;

namespace Nudge.Engine.Tests.Tokenization;

/// <summary>
/// A tiny hand-made CLIP-format vocabulary: the 26 lower-case letters with and without &lt;/w&gt;, four merges,
/// and special tokens at the end with ids 600..602, so nothing can pass by assuming SD's 49406/49407.
/// </summary>
public sealed class ClipTokenizerSyntheticVocabularyTests : IDisposable
{
    private const int Bos = 600;
    private const int Eos = 601;
    private const int Pad = 602;

    // Letters a..z are ids 0..25, "a</w>".."z</w>" are 26..51.
    private const int BEnd = 26 + 1;
    private const int Ca = 52;
    private const int CatEnd = 53;
    private const int Do = 54;
    private const int DogEnd = 55;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "nudge-clip-tokenizer-" + Guid.NewGuid().ToString("N"));

    public ClipTokenizerSyntheticVocabularyTests()
    {
        Directory.CreateDirectory(_folder);
        var vocabulary = new Dictionary<string, int>();
        for (int i = 0; i < 26; i++)
        {
            vocabulary[((char)('a' + i)).ToString()] = i;
            vocabulary[(char)('a' + i) + "</w>"] = 26 + i;
        }

        vocabulary["ca"] = Ca;
        vocabulary["cat</w>"] = CatEnd;
        vocabulary["do"] = Do;
        vocabulary["dog</w>"] = DogEnd;
        vocabulary["<|startoftext|>"] = Bos;
        vocabulary["<|endoftext|>"] = Eos;
        vocabulary["<|pad|>"] = Pad;
        Write("vocab.json", JsonSerializer.Serialize(vocabulary));
        Write("merges.txt", "#version: 0.2\nc a\nca t</w>\nd o\ndo g</w>\n");
        Write("tokenizer_config.json", """
            {
              "bos_token": {"__type": "AddedToken", "content": "<|startoftext|>", "lstrip": false, "normalized": true, "rstrip": false, "single_word": false},
              "eos_token": "<|endoftext|>",
              "pad_token": "<|pad|>",
              "unk_token": {"content": "<|endoftext|>"},
              "model_max_length": 8,
              "do_lower_case": true
            }
            """);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private ClipTokenizer Load() => ClipTokenizer.FromFolder(_folder);

    private void Write(string fileName, string content) =>
        File.WriteAllText(Path.Combine(_folder, fileName), content, new UTF8Encoding(false));

    [Fact]
    public void Takes_special_ids_from_the_vocabulary_by_the_configured_token_strings()
    {
        ClipTokenizer tokenizer = Load();

        Assert.Equal(Bos, tokenizer.BosId);
        Assert.Equal(Eos, tokenizer.EosId);
        Assert.Equal(Pad, tokenizer.PadId);
        Assert.Equal(8, tokenizer.ModelMaxLength);
        Assert.Equal(603, tokenizer.VocabularySize);
    }

    [Fact]
    public void Merges_with_the_rules_of_the_folder()
    {
        ClipTokenizer tokenizer = Load();

        Assert.Equal([CatEnd, DogEnd], tokenizer.Encode("  Cat   DOG "));
        Assert.Equal([Ca, BEnd], tokenizer.Encode("cab"));
    }

    [Fact]
    public void Maps_literal_special_tokens_to_their_vocabulary_ids()
    {
        Assert.Equal([Bos, CatEnd, Eos], Load().Encode("<|startoftext|>cat<|endoftext|>"));
    }

    [Fact]
    public void Pads_with_the_configured_pad_token()
    {
        TokenizedPrompt prompt = Load().Tokenize("cat");

        Assert.Equal([Bos, CatEnd, Eos, Pad, Pad, Pad, Pad, Pad], prompt.InputIds);
        Assert.False(prompt.Truncated);
        Assert.Equal(1, prompt.ContentLength);
    }

    [Fact]
    public void Truncates_long_prompts_keeping_eos_last()
    {
        ClipTokenizer tokenizer = Load();

        TokenizedPrompt prompt = tokenizer.Tokenize("cat dog cat dog cat dog cat");

        Assert.Equal([Bos, CatEnd, DogEnd, CatEnd, DogEnd, CatEnd, DogEnd, Eos], prompt.InputIds);
        Assert.True(prompt.Truncated);
        Assert.Equal(6, prompt.ContentLength);
        Assert.Equal(7, tokenizer.PooledIndex(prompt.InputIds));
    }

    [Fact]
    public void Fills_the_context_exactly_without_truncating()
    {
        TokenizedPrompt prompt = Load().Tokenize("cat dog cat dog cat dog");

        Assert.Equal([Bos, CatEnd, DogEnd, CatEnd, DogEnd, CatEnd, DogEnd, Eos], prompt.InputIds);
        Assert.False(prompt.Truncated);
    }

    [Fact]
    public void Pools_at_the_first_eos_and_rejects_ids_without_one()
    {
        ClipTokenizer tokenizer = Load();

        Assert.Equal(2, tokenizer.PooledIndex(tokenizer.EncodeForModel("dog")));
        Assert.Throws<ArgumentException>(() => tokenizer.PooledIndex([Bos, CatEnd, Pad]));
    }

    [Fact]
    public void Maps_bytes_missing_from_the_vocabulary_to_the_unknown_token()
    {
        // 'é' is two UTF-8 bytes; neither byte character is in this vocabulary.
        Assert.Equal([CatEnd, Eos, Eos], Load().Encode("cat é"));
    }

    [Theory]
    [InlineData("vocab.json")]
    [InlineData("merges.txt")]
    [InlineData("tokenizer_config.json")]
    public void Names_the_missing_file(string fileName)
    {
        File.Delete(Path.Combine(_folder, fileName));

        FileNotFoundException error = Assert.Throws<FileNotFoundException>(Load);

        Assert.Contains(fileName, error.Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_folder, fileName), error.FileName);
    }

    [Fact]
    public void Names_a_missing_folder()
    {
        string missing = Path.Combine(_folder, "nope");

        DirectoryNotFoundException error = Assert.Throws<DirectoryNotFoundException>(() => ClipTokenizer.FromFolder(missing));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vocab.json", "[1, 2, 3]", "vocab.json")]
    [InlineData("vocab.json", "{\"a\": \"one\"}", "vocab.json")]
    [InlineData("merges.txt", "#version: 0.2\nc a t\n", "merges.txt' line 2")]
    [InlineData("merges.txt", "#version: 0.2\nq z\n", "merges.txt")]
    [InlineData("tokenizer_config.json", "{\"bos_token\": \"<|bos|>\"}", "'<|bos|>' is not in the vocabulary")]
    [InlineData("tokenizer_config.json", "{\"model_max_length\": 1}", "model_max_length")]
    [InlineData("tokenizer_config.json", "{\"eos_token\": 5}", "eos_token")]
    [InlineData("tokenizer_config.json", "not json", "tokenizer_config.json")]
    public void Names_the_invalid_file_and_what_is_wrong(string fileName, string content, string expectedInMessage)
    {
        Write(fileName, content);

        InvalidDataException error = Assert.Throws<InvalidDataException>(Load);

        Assert.Contains(fileName, error.Message, StringComparison.Ordinal);
        Assert.Contains(expectedInMessage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_files_with_a_byte_order_mark_and_crlf_line_ends()
    {
        foreach (string fileName in new[] { "vocab.json", "merges.txt", "tokenizer_config.json" })
        {
            string path = Path.Combine(_folder, fileName);
            string content = File.ReadAllText(path).Replace("\n", "\r\n", StringComparison.Ordinal);
            File.WriteAllText(path, content, new UTF8Encoding(true));
        }

        ClipTokenizer tokenizer = Load();

        Assert.Equal([CatEnd, DogEnd], tokenizer.Encode("cat dog"));
        Assert.Equal(Pad, tokenizer.PadId);
    }

    [Fact]
    public void Uses_clip_defaults_for_settings_the_config_leaves_out()
    {
        Write("tokenizer_config.json", "{\"pad_token\": null}");

        ClipTokenizer tokenizer = Load();

        Assert.Equal(Bos, tokenizer.BosId);
        Assert.Equal(Eos, tokenizer.PadId);
        Assert.Equal(77, tokenizer.ModelMaxLength);
    }
}
