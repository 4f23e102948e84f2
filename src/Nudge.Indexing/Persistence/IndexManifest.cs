using System.Text.Json.Serialization;

namespace Nudge.Indexing.Persistence;

/// <summary>
/// <c>{index}/manifest.json</c>: the single commit point of an index. It lists the entries in row order and the
/// immutable shards holding their embeddings (and latents) for contiguous row ranges, with a SHA-256 per blob.
/// </summary>
internal sealed record IndexManifest
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string Name { get; init; }

    /// <summary>Increases by one with every committed update.</summary>
    public long Generation { get; init; }

    public int Dimension { get; init; }

    /// <summary><c>float32</c> or <c>float16</c>.</summary>
    public required string StorageType { get; init; }

    public int Count { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public List<ManifestEntry> Entries { get; init; } = [];

    public List<ManifestShard> Shards { get; init; } = [];
}

/// <summary>An entry's metadata; its embedding and latent live in the shard covering its row.</summary>
internal sealed record ManifestEntry
{
    public required string Id { get; init; }

    /// <summary><c>image</c> or <c>text</c>.</summary>
    public required string Kind { get; init; }

    public required string Source { get; init; }

    public string? Caption { get; init; }

    public float? Threshold { get; init; }

    /// <summary>The entry's trigger words; omitted when it has none.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? TriggerWords { get; init; }

    public DateTimeOffset AddedAt { get; init; }

    /// <summary>Set when the entry has a latent (float32, row-major, in the shard's latent blob).</summary>
    public int[]? LatentShape { get; init; }
}

/// <summary>A shard: rows <c>[FirstEntry, FirstEntry + EntryCount)</c> of the manifest's entries.</summary>
internal sealed record ManifestShard
{
    public required string Id { get; init; }

    public int FirstEntry { get; init; }

    public int EntryCount { get; init; }

    /// <summary>Row-major embeddings in the index's storage type, little-endian.</summary>
    public required ShardBlob Embeddings { get; init; }

    /// <summary>The latents of the shard's entries that have one, concatenated in row order (float32); null when none do.</summary>
    public ShardBlob? Latents { get; init; }
}

/// <summary>An immutable blob with its expected length and SHA-256 (lowercase hex).</summary>
internal sealed record ShardBlob
{
    public required string Name { get; init; }

    public long Length { get; init; }

    public required string Sha256 { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IndexManifest))]
internal sealed partial class IndexManifestJsonContext : JsonSerializerContext;
