namespace Nudge.Indexing.Persistence;

/// <summary>Blob names, value spellings and the structural checks of a manifest read back from storage.</summary>
internal static class ManifestRules
{
    public const string ManifestFileName = "manifest.json";
    public const string ShardsFolder = "shards";

    public static string ManifestName(string index) => $"{index}/{ManifestFileName}";

    public static string ShardsPrefix(string index) => $"{index}/{ShardsFolder}/";

    public const string GraphsFolder = "graphs";

    public static string GraphsPrefix(string index) => $"{index}/{GraphsFolder}/";

    /// <summary>
    /// The graph blob of one manifest: named by a hash of the generation and the shards' content, so a graph is only ever
    /// used with the rows it was built over (an update, or a deleted and re-created index, gets a new name).
    /// </summary>
    public static string GraphName(string index, IndexManifest manifest)
    {
        var text = new System.Text.StringBuilder();
        text.Append(manifest.Generation).Append('|').Append(manifest.Count).Append('|').Append(manifest.Dimension).Append('|').Append(manifest.StorageType);
        foreach (ManifestShard shard in manifest.Shards)
        {
            text.Append('|').Append(shard.FirstEntry).Append(':').Append(shard.EntryCount).Append(':').Append(shard.Embeddings.Sha256);
        }

        byte[] hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString()));
        return $"{GraphsPrefix(index)}g{manifest.Generation}-{Convert.ToHexStringLower(hash.AsSpan(0, 12))}.usearch";
    }

    public static string EmbeddingShardName(string index, string shardId) => $"{index}/{ShardsFolder}/{shardId}.bin";

    public static string LatentShardName(string index, string shardId) => $"{index}/{ShardsFolder}/{shardId}.latents.bin";

    public static string Format(EmbeddingStorageType storageType) => storageType == EmbeddingStorageType.Float32 ? "float32" : "float16";

    public static string Format(IndexEntryKind kind) => kind == IndexEntryKind.Image ? "image" : "text";

    public static EmbeddingStorageType ParseStorageType(string value, string location) => value switch
    {
        "float32" => EmbeddingStorageType.Float32,
        "float16" => EmbeddingStorageType.Float16,
        _ => throw new InvalidDataException($"Manifest '{location}' has an unknown storage type '{value}'."),
    };

    public static IndexEntryKind ParseKind(string value, string location) => value switch
    {
        "image" => IndexEntryKind.Image,
        "text" => IndexEntryKind.Text,
        _ => throw new InvalidDataException($"Manifest '{location}' has an entry of unknown kind '{value}'."),
    };

    /// <summary>Checks everything loading relies on, so damage shows up as one clear error naming the manifest.</summary>
    public static void Validate(IndexManifest manifest, string index, string location)
    {
        void Fail(string problem) => throw new InvalidDataException($"Manifest '{location}' of index '{index}' is invalid: {problem}.");

        if (manifest.FormatVersion != IndexManifest.CurrentFormatVersion)
        {
            Fail($"format version {manifest.FormatVersion} is not supported (expected {IndexManifest.CurrentFormatVersion})");
        }

        if (manifest.Name != index)
        {
            Fail($"it names index '{manifest.Name}'");
        }

        EmbeddingStorageType storageType = ParseStorageType(manifest.StorageType, location);
        if (manifest.Entries is null || manifest.Shards is null || manifest.Count != manifest.Entries.Count)
        {
            Fail($"count {manifest.Count} does not match its {manifest.Entries?.Count} entries");
        }

        if (manifest.Dimension < 0 || (manifest.Count > 0 && manifest.Dimension == 0))
        {
            Fail($"dimension {manifest.Dimension} is invalid");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (ManifestEntry entry in manifest.Entries!)
        {
            if (string.IsNullOrEmpty(entry.Id) || !ids.Add(entry.Id))
            {
                Fail($"entry id '{entry.Id}' is empty or repeated");
            }

            ParseKind(entry.Kind, location);
            if (entry.LatentShape is { } shape && (shape.Length == 0 || shape.Any(d => d <= 0)))
            {
                Fail($"entry '{entry.Id}' has an invalid latent shape");
            }
        }

        long rowBytes = (long)manifest.Dimension * EmbeddingMatrixBuilder.BytesPerValue(storageType);
        int expectedFirst = 0;
        foreach (ManifestShard shard in manifest.Shards!)
        {
            if (shard.FirstEntry != expectedFirst || shard.EntryCount <= 0 || shard.FirstEntry + shard.EntryCount > manifest.Count)
            {
                Fail($"shard '{shard.Id}' covers entries [{shard.FirstEntry}, {shard.FirstEntry + shard.EntryCount}), expected to start at {expectedFirst}");
            }

            if (shard.Embeddings is null || shard.Embeddings.Length != shard.EntryCount * rowBytes)
            {
                Fail($"shard '{shard.Id}' should hold {shard.EntryCount * rowBytes} embedding bytes");
            }

            long latentValues = LatentValues(manifest.Entries, shard.FirstEntry, shard.EntryCount);
            if ((latentValues == 0) != (shard.Latents is null) || (shard.Latents is not null && shard.Latents.Length != latentValues * sizeof(float)))
            {
                Fail($"shard '{shard.Id}' latent blob does not match the latent shapes of its entries ({latentValues} values)");
            }

            expectedFirst += shard.EntryCount;
        }

        if (expectedFirst != manifest.Count)
        {
            Fail($"its shards cover {expectedFirst} of {manifest.Count} entries");
        }
    }

    public static long LatentValues(List<ManifestEntry> entries, int first, int count)
    {
        long total = 0;
        for (int i = first; i < first + count; i++)
        {
            if (entries[i].LatentShape is { } shape)
            {
                total += IndexEntryRules.LatentLength(shape);
            }
        }

        return total;
    }
}
