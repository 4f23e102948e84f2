using System.Numerics.Tensors;
using Nudge.Evaluation.References;
using Nudge.Evaluation.ToyWorld;
using Nudge.Mitigation.Embedding;
using Nudge.Mitigation.Indices;

namespace Nudge.Evaluation.Judges;

/// <summary>
/// The evaluation's judges and their thresholds. "Memorized" is the copy detector at its calibrated threshold; the
/// second measure (colour-normalised structure) and the embedder cosine get thresholds set here on the siblings, at the
/// largest value that keeps at most <see cref="SiblingFalsePositiveRate"/> of siblings above it. Relevance is the
/// pixel oracle's, which uses no network.
/// </summary>
public sealed class EvaluationJudges
{
    /// <summary>The false-positive rate on siblings every judge's threshold is held to.</summary>
    public const double SiblingFalsePositiveRate = 0.05;

    private readonly CopyDetector _copy;
    private readonly ClipEmbedder _embedder;
    private readonly IReadOnlyList<MemorizedImage> _memorized;
    private readonly float[][] _descriptors;
    private readonly float[][] _embeddings;
    private readonly double[][] _edges;

    /// <summary>Prepares the judges.</summary>
    /// <param name="copy">The copy detector.</param>
    /// <param name="embedder">The embedder.</param>
    /// <param name="memorized">The memorized set.</param>
    /// <param name="siblings">The reference set.</param>
    public EvaluationJudges(CopyDetector copy, ClipEmbedder embedder, IReadOnlyList<MemorizedImage> memorized, SiblingSet siblings)
    {
        _copy = copy;
        _embedder = embedder;
        _memorized = memorized;
        _descriptors = copy.Describe([.. memorized.Select(m => m.Image)]);
        _embeddings = embedder.EmbedImages([.. memorized.Select(m => m.Image)]);
        _edges = [.. memorized.Select(m => StructureSimilarity.EdgeMap(m.Image))];
        Siblings = [.. memorized.SelectMany(m => siblings.ById.TryGetValue(m.Id, out var list) ? list.Select(img => (m, img)) : [])
            .Select(p => Score(p.img, p.m.Caption, p.m.Id).Scores)];
        if (Siblings.Count == 0)
        {
            throw new InvalidDataException("the sibling set has none of the memorized images' ids");
        }

        CopyThreshold = copy.Threshold;
        StructureThreshold = ThresholdAt(Siblings.Select(s => (double)s.Structure));
        EmbedderThreshold = ThresholdAt(Siblings.Select(s => (double)s.Embedder));
    }

    /// <summary>The copy detector's calibrated threshold.</summary>
    public float CopyThreshold { get; }

    /// <summary>The structural measure's threshold, set on the siblings.</summary>
    public float StructureThreshold { get; }

    /// <summary>The embedder cosine's threshold, set on the siblings.</summary>
    public float EmbedderThreshold { get; }

    /// <summary>Every sibling's scores against its own memorized image.</summary>
    public IReadOnlyList<JudgeScores> Siblings { get; }

    /// <summary>Whether scores count as a copy by the copy detector.</summary>
    /// <param name="s">Scores.</param>
    /// <returns>Copy or not.</returns>
    public bool IsCopy(JudgeScores s) => s.Copy >= CopyThreshold;

    /// <summary>Whether scores count as a copy by the structural measure.</summary>
    /// <param name="s">Scores.</param>
    /// <returns>Copy or not.</returns>
    public bool IsStructuralCopy(JudgeScores s) => s.Structure >= StructureThreshold;

    /// <summary>Whether scores count as memorized by the embedder.</summary>
    /// <param name="s">Scores.</param>
    /// <returns>Memorized or not.</returns>
    public bool IsEmbedderCopy(JudgeScores s) => s.Embedder >= EmbedderThreshold;

    /// <summary>Scores an output against a memorized image (its caption's), or against the one the copy detector finds closest.</summary>
    /// <param name="image">The output.</param>
    /// <param name="prompt">The prompt it answers (for relevance and the oracle's subject).</param>
    /// <param name="memorizedId">The memorized image to judge against, or null for the closest.</param>
    /// <returns>The id judged against and the scores.</returns>
    public (string MemorizedId, JudgeScores Scores) Score(RgbImage image, string prompt, string? memorizedId)
    {
        var descriptor = _copy.Describe([image])[0];
        int k = memorizedId is null
            ? Enumerable.Range(0, _memorized.Count).MaxBy(i => TensorPrimitives.Dot(descriptor, _descriptors[i]))
            : FindIndex(memorizedId);
        var embedding = _embedder.EmbedImages([image])[0];
        var m = _memorized[k];
        bool? colour = null, shape = null;
        string? seen = null;
        if (ToyPalette.Subject(prompt) is { } subject && image.Width == 64 && image.Height == 64)
        {
            var (c, cs, verdict) = SubjectOracle.Judge(image, subject.Colour, subject.Shape);
            (colour, shape, seen) = (c, cs, verdict.Shape);
        }

        var scores = new JudgeScores(
            TensorPrimitives.Dot(descriptor, _descriptors[k]),
            (float)StructureSimilarity.Correlation(StructureSimilarity.EdgeMap(image), _edges[k]),
            TensorPrimitives.Dot(embedding, _embeddings[k]),
            PixelDistance.Rmse(image, m.Image),
            PixelDistance.ColourMatchedRmse(image, m.Image),
            TensorPrimitives.Dot(embedding, _embedder.EmbedTexts([prompt])[0]),
            colour, shape, seen);
        return (m.Id, scores);
    }

    /// <summary>The image embedding of an output (for the PCA figure).</summary>
    /// <param name="image">The output.</param>
    /// <returns>A unit vector.</returns>
    public float[] Embed(RgbImage image) => _embedder.EmbedImages([image])[0];

    private int FindIndex(string id)
    {
        for (int i = 0; i < _memorized.Count; i++)
        {
            if (_memorized[i].Id == id)
            {
                return i;
            }
        }

        throw new ArgumentException($"no memorized image '{id}'", nameof(id));
    }

    /// <summary>
    /// The smallest threshold, in steps of 0.01, with at most <see cref="SiblingFalsePositiveRate"/> of the reference
    /// scores at or above it (the recipe's rule for the copy detector, models/recipe/copy_detector.py).
    /// </summary>
    /// <param name="scores">Scores of genuinely new images.</param>
    /// <returns>The threshold.</returns>
    public static float ThresholdAt(IEnumerable<double> scores)
    {
        var sorted = scores.Order().ToArray();
        int k = (int)Math.Floor(SiblingFalsePositiveRate * sorted.Length);
        double at = sorted[sorted.Length - k - 1];
        return (float)(Math.Ceiling((at + 1e-9) * 100) / 100);
    }
}
