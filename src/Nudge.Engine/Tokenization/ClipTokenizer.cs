using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Nudge.Engine.Tokenization;

/// <summary>
/// The byte-level BPE tokenizer of CLIP's text encoder (as used by Stable Diffusion 1.x), loaded from a
/// tokenizer folder in Hugging Face format and producing the same ids as the original
/// <c>openai/CLIP</c> tokenizer.
/// </summary>
/// <remarks>
/// <para>
/// Text is cleaned by <see cref="ClipTextNormalizer"/> and split by <see cref="ClipPreTokenizer"/>; each
/// piece is then byte-encoded and merged by <see cref="Microsoft.ML.Tokenizers.BpeTokenizer"/> configured
/// with the folder's vocabulary and merges, byte-level input and the <c>&lt;/w&gt;</c> end-of-word suffix.
/// The literals <c>&lt;|startoftext|&gt;</c> and <c>&lt;|endoftext|&gt;</c> in text map straight to their ids.
/// </para>
/// <para>Instances are immutable apart from an internal bounded cache, and safe for concurrent use.</para>
/// </remarks>
public sealed class ClipTokenizer
{
    /// <summary>The vocabulary file of a tokenizer folder: a JSON object from token to id.</summary>
    public const string VocabularyFileName = "vocab.json";

    /// <summary>The merges file of a tokenizer folder: an optional <c>#version</c> line, then one <c>left right</c> rule per line, by rank.</summary>
    public const string MergesFileName = "merges.txt";

    /// <summary>The Hugging Face tokenizer settings file of a tokenizer folder.</summary>
    public const string ConfigFileName = "tokenizer_config.json";

    private const string EndOfWordSuffix = "</w>";
    private static readonly string[] LiteralSpecialTokens = ["<|startoftext|>", "<|endoftext|>"];

    private readonly BpeTokenizer _bpe;
    private readonly ClipTextNormalizer _normalizer;
    private readonly ClipPreTokenizer _preTokenizer;
    private readonly Dictionary<string, int> _literalSpecialIds;
    private readonly WordCache _cache = new();
    private readonly Func<string, int[]> _encodePiece;

    private ClipTokenizer(
        BpeTokenizer bpe,
        ClipTextNormalizer normalizer,
        ClipPreTokenizer preTokenizer,
        Dictionary<string, int> literalSpecialIds,
        int bosId,
        int eosId,
        int padId,
        int modelMaxLength,
        int vocabularySize)
    {
        _bpe = bpe;
        _normalizer = normalizer;
        _preTokenizer = preTokenizer;
        _literalSpecialIds = literalSpecialIds;
        BosId = bosId;
        EosId = eosId;
        PadId = padId;
        ModelMaxLength = modelMaxLength;
        VocabularySize = vocabularySize;
        _encodePiece = EncodePiece;
    }

    /// <summary>The id of the start-of-text token (<c>bos_token</c>), framing every prompt.</summary>
    public int BosId { get; }

    /// <summary>The id of the end-of-text token (<c>eos_token</c>), closing every prompt; CLIP pools its output there.</summary>
    public int EosId { get; }

    /// <summary>The id that fills a framed prompt up to <see cref="ModelMaxLength"/> (<c>pad_token</c>).</summary>
    public int PadId { get; }

    /// <summary>The length of a framed prompt, BOS and EOS included (<c>model_max_length</c>, 77 for CLIP).</summary>
    public int ModelMaxLength { get; }

    /// <summary>The number of rows the text encoder's token embedding needs: the highest id in the vocabulary plus one.</summary>
    public int VocabularySize { get; }

    /// <summary>The configured Microsoft.ML.Tokenizers BPE model (normalizer, pre-tokenizer, byte level, <c>&lt;/w&gt;</c>).</summary>
    internal BpeTokenizer Bpe => _bpe;

    /// <summary>
    /// Loads a CLIP tokenizer from a folder holding <c>vocab.json</c>, <c>merges.txt</c> and
    /// <c>tokenizer_config.json</c> in Hugging Face format.
    /// </summary>
    /// <param name="folder">The tokenizer folder (for example <c>model/tokenizer</c>).</param>
    /// <returns>The loaded tokenizer.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">One of the three files is missing; the message names it.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or inconsistent with the others; the message names it.</exception>
    public static ClipTokenizer FromFolder(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        string root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The CLIP tokenizer folder '{root}' does not exist.");
        }

        string vocabularyPath = RequireFile(root, VocabularyFileName);
        string mergesPath = RequireFile(root, MergesFileName);
        string configPath = RequireFile(root, ConfigFileName);

        Dictionary<string, int> vocabulary = ReadVocabulary(vocabularyPath);
        List<string> merges = ReadMerges(mergesPath);
        ClipTokenizerConfig config = ClipTokenizerConfig.Load(configPath);

        int LookUp(string token, string role) =>
            vocabulary.TryGetValue(token, out int id)
                ? id
                : throw new InvalidDataException(
                    $"'{configPath}': the {role} token '{token}' is not in the vocabulary '{vocabularyPath}'.");

        int bosId = LookUp(config.BosToken, "bos");
        int eosId = LookUp(config.EosToken, "eos");
        int padId = LookUp(config.PadToken, "pad");
        string? unknownToken = vocabulary.ContainsKey(config.UnknownToken) ? config.UnknownToken : null;

        var literalSpecialIds = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string literal in LiteralSpecialTokens)
        {
            if (vocabulary.TryGetValue(literal, out int id))
            {
                literalSpecialIds[literal] = id;
            }
        }

        var normalizer = new ClipTextNormalizer(config.DoLowerCase);
        var preTokenizer = new ClipPreTokenizer(LiteralSpecialTokens);
        BpeTokenizer bpe;
        try
        {
            bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
            {
                Merges = merges,
                ByteLevel = true,
                EndOfWordSuffix = EndOfWordSuffix,
                SpecialTokens = literalSpecialIds.Count > 0 ? literalSpecialIds : null,
                UnknownToken = unknownToken,
                Normalizer = normalizer,
                PreTokenizer = preTokenizer,
            });
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidDataException(
                $"'{mergesPath}' does not fit the vocabulary '{vocabularyPath}': {ex.Message}", ex);
        }

        int vocabularySize = vocabulary.Values.Max() + 1;
        return new ClipTokenizer(bpe, normalizer, preTokenizer, literalSpecialIds, bosId, eosId, padId, config.ModelMaxLength, vocabularySize);
    }

    /// <summary>Encodes <paramref name="text"/> to content ids: no BOS or EOS, not truncated, not padded.</summary>
    /// <param name="text">The prompt.</param>
    /// <returns>The ids, in order.</returns>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        string normalized = _normalizer.Normalize(text);
        foreach ((int offset, int length) in _preTokenizer.Split(normalized))
        {
            string piece = normalized.Substring(offset, length);
            if (_literalSpecialIds.TryGetValue(piece, out int specialId))
            {
                ids.Add(specialId);
            }
            else
            {
                ids.AddRange(_cache.GetOrAdd(piece, _encodePiece));
            }
        }

        return ids;
    }

    /// <summary>
    /// Encodes <paramref name="text"/> as the text encoder takes it: <c>[BOS] + ids + [EOS]</c>, padded with
    /// <see cref="PadId"/> to <see cref="ModelMaxLength"/>; a prompt too long keeps its first
    /// <c>ModelMaxLength - 2</c> content ids and still ends with EOS.
    /// </summary>
    /// <param name="text">The prompt.</param>
    /// <returns>The framed ids with truncation details.</returns>
    public TokenizedPrompt Tokenize(string text)
    {
        IReadOnlyList<int> content = Encode(text);
        int kept = Math.Min(content.Count, ModelMaxLength - 2);
        int[] inputIds = new int[ModelMaxLength];
        inputIds[0] = BosId;
        for (int i = 0; i < kept; i++)
        {
            inputIds[i + 1] = content[i];
        }

        inputIds[kept + 1] = EosId;
        inputIds.AsSpan(kept + 2).Fill(PadId);
        return new TokenizedPrompt(inputIds, content.Count > kept, kept);
    }

    /// <summary>The <see cref="TokenizedPrompt.InputIds"/> of <see cref="Tokenize(string)"/>: exactly <see cref="ModelMaxLength"/> ids.</summary>
    /// <param name="text">The prompt.</param>
    /// <returns>A new array the caller owns.</returns>
    public int[] EncodeForModel(string text) => Tokenize(text).InputIds;

    /// <summary>The position of the first <see cref="EosId"/> in <paramref name="inputIds"/>: where CLIP pools its text embedding.</summary>
    /// <param name="inputIds">Framed ids, as from <see cref="EncodeForModel(string)"/>.</param>
    /// <returns>The index of the first EOS id.</returns>
    /// <exception cref="ArgumentException"><paramref name="inputIds"/> holds no EOS id.</exception>
    public int PooledIndex(ReadOnlySpan<int> inputIds)
    {
        int index = inputIds.IndexOf(EosId);
        return index >= 0
            ? index
            : throw new ArgumentException($"The ids hold no end-of-text id ({EosId}); frame them with {nameof(EncodeForModel)} first.", nameof(inputIds));
    }

    private int[] EncodePiece(string piece) =>
        [.. _bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false)];

    private static string RequireFile(string folder, string fileName)
    {
        string path = Path.Combine(folder, fileName);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The CLIP tokenizer file '{fileName}' is missing from '{folder}'.", path);
    }

    private static Dictionary<string, int> ReadVocabulary(string path)
    {
        Dictionary<string, int>? vocabulary;
        try
        {
            vocabulary = JsonSerializer.Deserialize<Dictionary<string, int>>(ClipTokenizerConfig.ReadJsonBytes(path).Span);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not a JSON object from token to integer id: {ex.Message}", ex);
        }

        if (vocabulary is null || vocabulary.Count == 0)
        {
            throw new InvalidDataException($"'{path}' holds no tokens.");
        }

        var seen = new HashSet<int>();
        foreach ((string token, int id) in vocabulary)
        {
            if (id < 0)
            {
                throw new InvalidDataException($"'{path}': token '{token}' has the negative id {id}.");
            }

            if (!seen.Add(id))
            {
                throw new InvalidDataException($"'{path}': the id {id} is given to more than one token (one is '{token}').");
            }
        }

        return vocabulary;
    }

    private static List<string> ReadMerges(string path)
    {
        var merges = new List<string>();
        int lineNumber = 0;
        foreach (string rawLine in File.ReadLines(path))
        {
            lineNumber++;
            string line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue;
            }

            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == line.Length - 1 || line.IndexOf(' ', space + 1) >= 0)
            {
                throw new InvalidDataException(
                    $"'{path}' line {lineNumber}: a merge rule must be two tokens separated by one space, not \"{line}\".");
            }

            merges.Add(line);
        }

        return merges;
    }
}
