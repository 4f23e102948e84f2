using Nudge.Mitigation.Embedding;
using Nudge.Mitigation.Filters;

namespace Nudge.Mitigation.Tests.Filters;

public sealed class DegenerateImageFilterTests
{
    private static FilterResult Run(byte[] rgb, float[]? pixels = null) =>
        new DegenerateImageFilter().Evaluate(new FilterInput(null!, "p", new RgbImage(rgb, 8, 8), pixels));

    [Fact]
    public void A_varied_image_passes()
    {
        var rgb = Enumerable.Range(0, 8 * 8 * 3).Select(i => (byte)(i * 37 % 200)).ToArray();
        Assert.False(Run(rgb).Triggered);
    }

    [Fact]
    public void A_constant_image_fires()
    {
        Assert.True(Run(Enumerable.Repeat((byte)120, 8 * 8 * 3).ToArray()).Triggered);
    }

    [Fact]
    public void A_saturated_image_fires()
    {
        var rgb = Enumerable.Range(0, 8 * 8 * 3).Select(i => (byte)((i / 3) % 2 == 0 ? 255 : 0)).ToArray();
        Assert.True(Run(rgb).Triggered);
    }

    [Fact]
    public void Non_finite_pixels_fire_with_score_one()
    {
        var rgb = Enumerable.Range(0, 8 * 8 * 3).Select(i => (byte)(i % 251)).ToArray();
        var pixels = new float[8 * 8 * 3];
        pixels[5] = float.NaN;
        var r = Run(rgb, pixels);
        Assert.True(r.Triggered);
        Assert.Equal(1f, r.Score);
    }
}
