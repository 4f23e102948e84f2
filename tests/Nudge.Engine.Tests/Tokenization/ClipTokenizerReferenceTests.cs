using Microsoft.ML.Tokenizers;
using Nudge.Engine.Tokenization;

namespace Nudge.Engine.Tests.Tokenization;

/// <summary>The real CLIP vocabulary against the ids the original openai/CLIP tokenizer produced.</summary>
public sealed class ClipTokenizerReferenceTests
{
    private static ClipTokenizer Tokenizer => ClipReferenceCases.Tokenizer;

    public static TheoryData<string, int, string> ReferenceCases => ClipReferenceCases.Rows;

    [Fact]
    public void Reference_case_folder_is_found_and_holds_cases()
    {
        Assert.True(
            Directory.Exists(ClipReferenceCases.CasesFolder),
            $"The CLIP reference cases folder '{ClipReferenceCases.CasesFolder}' is missing.");
        Assert.NotEmpty(ClipReferenceCases.All);
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void Encodes_every_reference_case_exactly(string file, int index, string preview)
    {
        ClipReferenceCase item = ClipReferenceCases.Get(file, index);

        int[] framed = [Tokenizer.BosId, .. Tokenizer.Encode(item.Text), Tokenizer.EosId];
        int[] forModel = Tokenizer.EncodeForModel(item.Text);

        Assert.True(item.Ids.SequenceEqual(framed), $"{file}#{index} ({preview}): ids\n expected {string.Join(",", item.Ids)}\n actual   {string.Join(",", framed)}");
        Assert.True(item.InputIds77.SequenceEqual(forModel), $"{file}#{index} ({preview}): input_ids_77\n expected {string.Join(",", item.InputIds77)}\n actual   {string.Join(",", forModel)}");
    }

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void The_configured_BpeTokenizer_alone_encodes_every_reference_case_exactly(string file, int index, string preview)
    {
        ClipReferenceCase item = ClipReferenceCases.Get(file, index);

        // The Microsoft.ML.Tokenizers pipeline on its own: ClipTextNormalizer, ClipPreTokenizer, byte level, </w>.
        IReadOnlyList<int> ids = Tokenizer.Bpe.EncodeToIds(item.Text);

        Assert.True(item.Ids[1..^1].SequenceEqual(ids), $"{file}#{index} ({preview}): {string.Join(",", ids)}");
    }

    [Fact]
    public void Loads_the_sd15_settings_from_the_vocabulary_and_config()
    {
        Assert.Equal(49406, Tokenizer.BosId);
        Assert.Equal(49407, Tokenizer.EosId);
        Assert.Equal(49407, Tokenizer.PadId);
        Assert.Equal(77, Tokenizer.ModelMaxLength);
        Assert.Equal(49408, Tokenizer.VocabularySize);
    }

    [Theory]
    [InlineData("don't", new[] { 847, 713 })]
    [InlineData("f/1.8", new[] { 325, 270, 272, 269, 279 })]
    [InlineData("café", new[] { 15304 })]
    public void Matches_the_examples_of_the_reference_readme(string text, int[] expected)
    {
        Assert.Equal(expected, Tokenizer.Encode(text));
    }

    [Fact]
    public void Maps_literal_special_tokens_in_text_to_their_ids()
    {
        Assert.Equal([320, 49407, 2368], Tokenizer.Encode("a <|endoftext|> cat"));
        Assert.Equal([49406, 320], Tokenizer.Encode("<|startoftext|>a"));
    }

    [Fact]
    public void Truncates_long_prompts_keeping_eos_last()
    {
        string text = string.Join(' ', Enumerable.Repeat("cat", 100));

        TokenizedPrompt prompt = Tokenizer.Tokenize(text);

        Assert.True(prompt.Truncated);
        Assert.Equal(75, prompt.ContentLength);
        Assert.Equal(77, prompt.InputIds.Length);
        Assert.Equal(Tokenizer.BosId, prompt.InputIds[0]);
        Assert.Equal(Tokenizer.EosId, prompt.InputIds[^1]);
        Assert.All(prompt.InputIds[1..^1], id => Assert.Equal(2368, id));
        Assert.Equal(76, Tokenizer.PooledIndex(prompt.InputIds));
    }

    [Fact]
    public void Pools_at_the_first_eos_of_a_padded_prompt()
    {
        TokenizedPrompt prompt = Tokenizer.Tokenize("a photo of a cat");

        Assert.False(prompt.Truncated);
        Assert.Equal(5, prompt.ContentLength);
        Assert.Equal(6, Tokenizer.PooledIndex(prompt.InputIds));
    }

    [Fact]
    public void Encodes_an_empty_prompt_as_bos_eos_and_padding()
    {
        int[] ids = Tokenizer.EncodeForModel("  \t ");

        Assert.Equal([49406, .. Enumerable.Repeat(49407, 76)], ids);
        Assert.Equal(1, Tokenizer.PooledIndex(ids));
    }

    [Fact]
    public void Gives_the_same_ids_under_concurrent_use()
    {
        IReadOnlyList<ClipReferenceCase> cases = ClipReferenceCases.All;
        var tokenizer = ClipTokenizer.FromFolder(ClipReferenceCases.Folder);
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, cases.Count * 20, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            ClipReferenceCase item = cases[i % cases.Count];
            if (!item.InputIds77.SequenceEqual(tokenizer.EncodeForModel(item.Text)))
            {
                failures.Add($"{item.File}#{item.Index}");
            }
        });

        Assert.Empty(failures);
    }

    [Fact]
    public void Handles_long_words_the_word_cache_does_not_hold()
    {
        string word = new('a', 300);

        IReadOnlyList<int> first = Tokenizer.Encode(word);
        IReadOnlyList<int> second = Tokenizer.Encode(word);

        Assert.Equal(first, second);
        Assert.Equal(Tokenizer.Bpe.EncodeToIds(word), first);
    }
}
