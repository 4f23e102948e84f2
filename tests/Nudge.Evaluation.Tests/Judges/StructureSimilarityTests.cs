using Nudge.Evaluation.Judges;
using Nudge.Mitigation.Embedding;

namespace Nudge.Evaluation.Tests.Judges;

public sealed class StructureSimilarityTests
{
    [Fact]
    public void An_image_is_perfectly_similar_to_itself()
    {
        var m = ModelFolder.Memorized.Value[0].Image;
        Assert.Equal(1.0, StructureSimilarity.Score(m, m), 9);
    }

    [Fact]
    public void Recoloured_copies_stay_far_above_the_sibling_threshold_while_siblings_mostly_fall_below_it()
    {
        var memorized = ModelFolder.Memorized.Value;
        var siblingScores = memorized.SelectMany(m => ModelFolder.Siblings.Value.ById[m.Id].Select(s => StructureSimilarity.Score(s, m.Image))).ToList();
        float threshold = EvaluationJudges.ThresholdAt(siblingScores);
        Assert.True(siblingScores.Count(s => s >= threshold) <= EvaluationJudges.SiblingFalsePositiveRate * siblingScores.Count);
        foreach (var m in memorized)
        {
            // Swapping channels recolours every region but keeps every edge: the same composition.
            double swapped = StructureSimilarity.Score(ChannelSwap(m.Image), m.Image);
            Assert.True(swapped >= threshold + 0.1, $"{m.Id}: {swapped:F3} vs threshold {threshold:F2}");
        }
    }

    [Fact]
    public void Different_memorized_images_are_not_similar()
    {
        var memorized = ModelFolder.Memorized.Value;
        var siblingScores = memorized.SelectMany(m => ModelFolder.Siblings.Value.ById[m.Id].Select(s => StructureSimilarity.Score(s, m.Image))).ToList();
        float threshold = EvaluationJudges.ThresholdAt(siblingScores);
        for (int i = 0; i < memorized.Count; i++)
        {
            var other = memorized[(i + 1) % memorized.Count];
            Assert.True(StructureSimilarity.Score(memorized[i].Image, other.Image) < threshold);
        }
    }

    private static RgbImage ChannelSwap(RgbImage image)
    {
        var rgb = new byte[image.Rgb.Length];
        for (int i = 0; i < rgb.Length; i += 3)
        {
            (rgb[i], rgb[i + 1], rgb[i + 2]) = (image.Rgb[i + 2], image.Rgb[i], image.Rgb[i + 1]);
        }

        return new RgbImage(rgb, image.Width, image.Height);
    }
}
