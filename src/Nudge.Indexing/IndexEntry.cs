namespace Nudge.Indexing;

/// <summary>
/// One embedding in an index, with what is known about where it came from. Indices store a unit-length copy
/// of <see cref="Embedding"/>; the caller's array is never modified.
/// </summary>
public sealed record IndexEntry
{
    /// <summary>Unique id within the index (1-256 characters, no control characters).</summary>
    public required string Id { get; init; }

    /// <summary>Whether the embedding is of an image or of a text.</summary>
    public required IndexEntryKind Kind { get; init; }

    /// <summary>The embedding; any non-zero finite vector (it is L2-normalized when added). All entries of an index have the same dimension.</summary>
    public required float[] Embedding { get; init; }

    /// <summary>Where the entry came from (a URL, a blob name, a dataset row); free text, required.</summary>
    public required string Source { get; init; }

    /// <summary>A caption or concept text, if any.</summary>
    public string? Caption { get; init; }

    /// <summary>
    /// The VAE latent of the image, row-major with shape <see cref="LatentShape"/>; image entries only.
    /// <see langword="null"/> when there is none, or when the index was loaded without latents.
    /// </summary>
    public float[]? Latent { get; init; }

    /// <summary>The shape of <see cref="Latent"/>, e.g. <c>[4, 64, 64]</c>; set exactly when a latent is stored.</summary>
    public int[]? LatentShape { get; init; }

    /// <summary>
    /// Words of <see cref="Caption"/> that make the model reproduce this image (e.g. a memorized caption's painter's
    /// name), found by measurement; a nudge away from this entry releases them from the prompt. Empty when unknown.
    /// </summary>
    public IReadOnlyList<string> TriggerWords { get; init; } = [];

    /// <summary>A similarity threshold for this entry (overrides the caller's default), if any.</summary>
    public float? Threshold { get; init; }

    /// <summary>When the entry was added; the store fills in the current time when this is <see langword="default"/>.</summary>
    public DateTimeOffset AddedAt { get; init; }
}
