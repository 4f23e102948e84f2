using Nudge.Indexing;
using Nudge.Mitigation.Embedding;
using Nudge.Mitigation.Filters;
using Nudge.Mitigation.Intake;

namespace Nudge.Mitigation.Moderation;

/// <summary>
/// Embeds an uploaded image and checks it against the undesired index: block at an entry's threshold,
/// flag above the flag threshold, allow otherwise. Unreadable, truncated, oversized or non-image input
/// gets <see cref="ModerationVerdict.Invalid"/> with a reason from <see cref="ImageIntake"/>; it never throws for bad input.
/// </summary>
public sealed class UploadModerator
{
    private readonly ClipEmbedder _embedder;
    private readonly EmbeddingIndex _undesired;
    private readonly ModerationOptions _options;
    private readonly CopyDetector? _copyDetector;
    private readonly EmbeddingIndex? _memorized;

    /// <summary>Creates the moderator.</summary>
    /// <param name="embedder">The embedder.</param>
    /// <param name="undesired">The undesired index.</param>
    /// <param name="options">Thresholds and limits.</param>
    /// <param name="copyDetector">The model's copy detector, or null; with <paramref name="memorized"/> an upload that copies a memorized image is blocked.</param>
    /// <param name="memorized">The memorized set indexed by copy descriptors, or null.</param>
    public UploadModerator(ClipEmbedder embedder, EmbeddingIndex undesired, ModerationOptions? options = null, CopyDetector? copyDetector = null, EmbeddingIndex? memorized = null)
    {
        _copyDetector = copyDetector;
        _memorized = copyDetector is null ? null : memorized;
        _embedder = embedder;
        _undesired = undesired;
        _options = options ?? new ModerationOptions();
    }

    /// <summary>Judges one input.</summary>
    /// <param name="source">Its name, for the result.</param>
    /// <param name="bytes">Its bytes.</param>
    /// <returns>The verdict.</returns>
    public ModerationResult Moderate(string source, ReadOnlyMemory<byte> bytes)
    {
        var intake = ImageIntake.Decode(bytes.Span, _options.Intake);
        if (intake.Image is not { } image)
        {
            return Invalid(source, intake.Rejection!);
        }

        if (_copyDetector is not null && _memorized is { Count: > 0 })
        {
            var copies = IndexMatching.Nearest(_memorized, _copyDetector.Describe([image])[0], IndexEntryKind.Image, _copyDetector.Threshold, _options.Evidence);
            if (copies.FirstOrDefault(m => m.Exceeds) is { } copy)
            {
                return new ModerationResult(source, ModerationVerdict.Block,
                    $"copies memorized entry '{copy.EntryId}' (copy-detector cosine {copy.Similarity:F3} ≥ {copy.Threshold:F3})", copy.Similarity, copies, image.Width, image.Height);
            }
        }

        var embedding = _embedder.EmbedImages([image])[0];
        var matches = IndexMatching.Nearest(_undesired, embedding, IndexEntryKind.Image, _options.BlockThreshold, _options.Evidence);
        float score = matches.Count == 0 ? -1f : matches.Max(m => m.Similarity);
        var (verdict, reason) = matches.FirstOrDefault(m => m.Exceeds) is { } hit
            ? (ModerationVerdict.Block, $"matches undesired entry '{hit.EntryId}' (cosine {hit.Similarity:F3} ≥ {hit.Threshold:F3})")
            : score >= _options.FlagThreshold
                ? (ModerationVerdict.Flag, $"close to undesired entry '{matches[0].EntryId}' (cosine {score:F3} ≥ flag threshold {_options.FlagThreshold:F3})")
                : (ModerationVerdict.Allow, matches.Count == 0 ? "the undesired index has no image entries" : $"largest cosine {score:F3} is below the flag threshold {_options.FlagThreshold:F3}");
        return new ModerationResult(source, verdict, reason, score, matches, image.Width, image.Height);
    }

    private static ModerationResult Invalid(string source, string reason) => new(source, ModerationVerdict.Invalid, reason, float.NaN, [], 0, 0);
}
