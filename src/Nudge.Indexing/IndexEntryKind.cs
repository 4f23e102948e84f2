namespace Nudge.Indexing;

/// <summary>What an index entry's embedding was computed from.</summary>
public enum IndexEntryKind
{
    /// <summary>A CLIP image embedding (the entry may also carry the image's VAE latent).</summary>
    Image,

    /// <summary>A CLIP text embedding of a caption or concept.</summary>
    Text,
}
