using System.Numerics.Tensors;
using Nudge.Mitigation.Embedding;

namespace Nudge.Mitigation.Tests.Embedding;

[Collection(TinyModelCollection.Name)]
public sealed class CopyDetectorTests(TinyModel tiny)
{
    [Fact]
    public void The_tiny_detector_reads_its_calibrated_threshold_and_gives_unit_descriptors()
    {
        Assert.True(tiny.CopyDetector.Calibrated);
        Assert.InRange(tiny.CopyDetector.Threshold, 0.05f, 0.99f);
        var d = tiny.CopyDetector.Describe([tiny.Memorized[0].Image, tiny.Memorized[1].Image]);
        Assert.Equal(2, d.Length);
        Assert.All(d, v => Assert.Equal(1f, TensorPrimitives.Norm(v), 3));
        Assert.Equal(tiny.CopyDetector.Dimension, d[0].Length);
    }

    [Fact]
    public void Recoloured_and_shifted_copies_of_a_training_image_are_copies_of_it_and_of_no_other()
    {
        var refs = tiny.CopyDetector.Describe([.. tiny.Memorized.Select(m => m.Image)]);
        for (int i = 0; i < tiny.Memorized.Count; i++)
        {
            var image = tiny.Memorized[i].Image;
            foreach (var edited in new[] { ChannelSwap(image), Shift(image, 3, -2) })
            {
                var q = tiny.CopyDetector.Describe([edited])[0];
                var scores = refs.Select(r => TensorPrimitives.Dot(q, r)).ToArray();
                Assert.True(scores[i] >= tiny.CopyDetector.Threshold, $"{tiny.Memorized[i].Id}: {scores[i]:F3} < {tiny.CopyDetector.Threshold}");
                Assert.Equal(i, Array.IndexOf(scores, scores.Max()));
            }
        }
    }

    [Fact]
    public void Different_training_images_are_not_copies_of_each_other()
    {
        var refs = tiny.CopyDetector.Describe([.. tiny.Memorized.Select(m => m.Image)]);
        for (int i = 0; i < refs.Length; i++)
        {
            for (int j = i + 1; j < refs.Length; j++)
            {
                Assert.True(TensorPrimitives.Dot(refs[i], refs[j]) < tiny.CopyDetector.Threshold, $"{i} vs {j}");
            }
        }
    }

    private static RgbImage ChannelSwap(RgbImage image)
    {
        var rgb = new byte[image.Rgb.Length];
        for (int i = 0; i < rgb.Length; i += 3)
        {
            (rgb[i], rgb[i + 1], rgb[i + 2]) = (image.Rgb[i + 1], image.Rgb[i + 2], image.Rgb[i]);
        }

        return new RgbImage(rgb, image.Width, image.Height);
    }

    private static RgbImage Shift(RgbImage image, int dx, int dy)
    {
        int w = image.Width, h = image.Height;
        var rgb = new byte[image.Rgb.Length];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int sx = Math.Clamp(x - dx, 0, w - 1), sy = Math.Clamp(y - dy, 0, h - 1);
                Array.Copy(image.Rgb, ((sy * w) + sx) * 3, rgb, ((y * w) + x) * 3, 3);
            }
        }

        return new RgbImage(rgb, w, h);
    }
}
