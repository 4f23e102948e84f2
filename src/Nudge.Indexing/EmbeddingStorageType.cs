namespace Nudge.Indexing;

/// <summary>How an index stores its embeddings, in memory and in its shards.</summary>
public enum EmbeddingStorageType
{
    /// <summary>32-bit floats: exact, 4 bytes per value.</summary>
    Float32,

    /// <summary>
    /// 16-bit floats: half the memory and bandwidth; unit vectors keep about 3 significant digits, which
    /// rarely changes a top-k ranking. Search converts blocks to 32-bit floats and accumulates in 32 bits.
    /// </summary>
    Float16,
}
