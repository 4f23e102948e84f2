using System.Text.Json;

namespace Nudge.Engine.Tokenization;

/// <summary>
/// The settings read from a Hugging Face <c>tokenizer_config.json</c> for a CLIP tokenizer. Special tokens
/// may be written as plain strings or as <c>AddedToken</c> objects (<c>{"content": "..."}</c>); a token that
/// is absent or null takes the Hugging Face <c>CLIPTokenizer</c> default.
/// </summary>
internal sealed record ClipTokenizerConfig(
    string BosToken,
    string EosToken,
    string PadToken,
    string UnknownToken,
    int ModelMaxLength,
    bool DoLowerCase)
{
    /// <summary>CLIP's text context length, used when the config sets no usable <c>model_max_length</c>.</summary>
    public const int DefaultModelMaxLength = 77;

    /// <summary>Hugging Face writes a huge number (int(1e30)) for "no limit"; anything this large counts as unset.</summary>
    private const double UnsetModelMaxLength = 1e9;

    /// <summary>Reads and validates the config at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not valid JSON or holds an unusable value.</exception>
    public static ClipTokenizerConfig Load(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(ReadJsonBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"'{path}' must hold a JSON object, not {root.ValueKind}.");
            }

            return new ClipTokenizerConfig(
                BosToken: ReadToken(root, "bos_token", "<|startoftext|>", path),
                EosToken: ReadToken(root, "eos_token", "<|endoftext|>", path),
                PadToken: ReadToken(root, "pad_token", "<|endoftext|>", path),
                UnknownToken: ReadToken(root, "unk_token", "<|endoftext|>", path),
                ModelMaxLength: ReadModelMaxLength(root, path),
                DoLowerCase: ReadBoolean(root, "do_lower_case", true, path));
        }
    }

    /// <summary>The bytes of a UTF-8 JSON file, without the byte order mark some editors write.</summary>
    internal static ReadOnlyMemory<byte> ReadJsonBytes(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes.AsMemory(3) : bytes;
    }

    private static string ReadToken(JsonElement root, string name, string fallback, string path)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        string? content = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out JsonElement inner) && inner.ValueKind == JsonValueKind.String
                => inner.GetString(),
            _ => null,
        };

        if (string.IsNullOrEmpty(content))
        {
            throw new InvalidDataException(
                $"'{path}': \"{name}\" must be a non-empty string or an AddedToken object with a \"content\" string.");
        }

        return content;
    }

    private static int ReadModelMaxLength(JsonElement root, string path)
    {
        if (!root.TryGetProperty("model_max_length", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return DefaultModelMaxLength;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new InvalidDataException($"'{path}': \"model_max_length\" must be a number.");
        }

        double length = value.GetDouble();
        if (length >= UnsetModelMaxLength)
        {
            return DefaultModelMaxLength;
        }

        if (length < 2 || length != Math.Floor(length))
        {
            throw new InvalidDataException(
                $"'{path}': \"model_max_length\" must be a whole number of at least 2 (room for the start and end tokens), not {value.GetRawText()}.");
        }

        return (int)length;
    }

    private static bool ReadBoolean(JsonElement root, string name, bool fallback, string path)
    {
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"'{path}': \"{name}\" must be true or false."),
        };
    }
}
