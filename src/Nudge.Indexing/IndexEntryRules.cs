using System.Numerics.Tensors;

namespace Nudge.Indexing;

/// <summary>Validation of entries being added, and the normalized copy an index keeps.</summary>
internal static class IndexEntryRules
{
    public const int MaxIdLength = 256;

    public const int MaxTriggerWords = 32;

    /// <summary>
    /// Checks a batch (ids unique, one dimension, valid fields) and returns copies with unit-length embeddings
    /// and <see cref="IndexEntry.AddedAt"/> filled in.
    /// </summary>
    public static List<IndexEntry> PrepareBatch(IEnumerable<IndexEntry> entries, DateTimeOffset now, string paramName)
    {
        ArgumentNullException.ThrowIfNull(entries, paramName);
        var prepared = new List<IndexEntry>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (IndexEntry entry in entries)
        {
            if (entry is null)
            {
                throw new ArgumentException("Entries must not be null.", paramName);
            }

            IndexEntry copy = Prepare(entry, now, paramName);
            if (!ids.Add(copy.Id))
            {
                throw new ArgumentException($"Entry id '{copy.Id}' appears more than once in the batch.", paramName);
            }

            if (prepared.Count > 0 && copy.Embedding.Length != prepared[0].Embedding.Length)
            {
                throw new ArgumentException(
                    $"Entry '{copy.Id}' has dimension {copy.Embedding.Length}, but '{prepared[0].Id}' has {prepared[0].Embedding.Length}.", paramName);
            }

            prepared.Add(copy);
        }

        return prepared;
    }

    public static IndexEntry Prepare(IndexEntry entry, DateTimeOffset now, string paramName)
    {
        string id = entry.Id;
        if (string.IsNullOrEmpty(id) || id.Length > MaxIdLength || id.Any(char.IsControl))
        {
            throw new ArgumentException($"Entry id '{id}' is invalid: ids are 1-{MaxIdLength} characters without control characters.", paramName);
        }

        if (!Enum.IsDefined(entry.Kind))
        {
            throw new ArgumentException($"Entry '{id}' has an unknown kind {(int)entry.Kind}.", paramName);
        }

        if (entry.Source is null)
        {
            throw new ArgumentException($"Entry '{id}' has no source.", paramName);
        }

        if (entry.Threshold is { } threshold && !float.IsFinite(threshold))
        {
            throw new ArgumentException($"Entry '{id}' has a non-finite threshold.", paramName);
        }

        if (entry.TriggerWords is null || entry.TriggerWords.Count > MaxTriggerWords
            || entry.TriggerWords.Any(w => string.IsNullOrWhiteSpace(w) || w.Length > 64 || w.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
        {
            throw new ArgumentException($"Entry '{id}' has invalid trigger words: at most {MaxTriggerWords} single words of 1-64 characters.", paramName);
        }

        float[] embedding = Normalized(entry.Embedding, $"entry '{id}'", paramName);
        (float[]? latent, int[]? shape) = CheckLatent(entry, paramName);
        return entry with
        {
            Embedding = embedding,
            Latent = latent,
            LatentShape = shape,
            AddedAt = entry.AddedAt == default ? now : entry.AddedAt,
        };
    }

    /// <summary>A unit-length copy of <paramref name="vector"/>; zero, empty or non-finite vectors are rejected.</summary>
    public static float[] Normalized(ReadOnlySpan<float> vector, string what, string paramName)
    {
        if (vector.IsEmpty)
        {
            throw new ArgumentException($"The embedding of {what} is empty.", paramName);
        }

        float norm = TensorPrimitives.Norm(vector);
        if (!float.IsFinite(norm) || norm <= 1e-20f)
        {
            throw new ArgumentException(
                $"The embedding of {what} cannot be normalized (L2 norm {norm}): it is zero or has non-finite values.", paramName);
        }

        float[] unit = new float[vector.Length];
        TensorPrimitives.Divide(vector, norm, unit);
        return unit;
    }

    public static long LatentLength(int[] shape)
    {
        long length = 1;
        foreach (int dim in shape)
        {
            length *= dim;
        }

        return length;
    }

    private static (float[]? Latent, int[]? Shape) CheckLatent(IndexEntry entry, string paramName)
    {
        if (entry.Latent is null && entry.LatentShape is null)
        {
            return (null, null);
        }

        string id = entry.Id;
        if (entry.Kind != IndexEntryKind.Image)
        {
            throw new ArgumentException($"Entry '{id}' is a {entry.Kind} entry; only image entries carry latents.", paramName);
        }

        if (entry.Latent is null || entry.LatentShape is null)
        {
            throw new ArgumentException($"Entry '{id}' must set both Latent and LatentShape, or neither.", paramName);
        }

        if (entry.LatentShape.Length == 0 || entry.LatentShape.Any(d => d <= 0) || LatentLength(entry.LatentShape) != entry.Latent.Length)
        {
            throw new ArgumentException(
                $"Entry '{id}' has a latent of {entry.Latent.Length} values, which does not match its shape [{string.Join(", ", entry.LatentShape)}].", paramName);
        }

        if (!entry.Latent.All(float.IsFinite))
        {
            throw new ArgumentException($"Entry '{id}' has non-finite latent values.", paramName);
        }

        return ((float[])entry.Latent.Clone(), (int[])entry.LatentShape.Clone());
    }
}
