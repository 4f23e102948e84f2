namespace Nudge.Evaluation.Tests;

public sealed class CaptionBootstrapTests
{
    private static double Share(IReadOnlyList<bool> xs) => xs.Count == 0 ? double.NaN : xs.Count(x => x) / (double)xs.Count;

    [Fact]
    public void Identical_captions_give_a_degenerate_interval_at_the_value()
    {
        var groups = Enumerable.Range(0, 6).Select(_ => (IReadOnlyList<bool>)[true, false]).ToList();
        var i = CaptionBootstrap.Estimate(groups, Share, 500);
        Assert.Equal(0.5, i.Value);
        Assert.Equal(0.5, i.Low);
        Assert.Equal(0.5, i.High);
    }

    [Fact]
    public void Captions_that_disagree_widen_the_interval_around_the_value_and_the_result_reproduces()
    {
        // Three captions always copied, three never: the resampled share ranges widely, since captions are the unit.
        var groups = Enumerable.Range(0, 6).Select(k => (IReadOnlyList<bool>)Enumerable.Repeat(k < 3, 8).ToList()).ToList();
        var a = CaptionBootstrap.Estimate(groups, Share, 2000);
        var b = CaptionBootstrap.Estimate(groups, Share, 2000);
        Assert.Equal(0.5, a.Value);
        Assert.True(a.Low <= 0.2 && a.High >= 0.8, $"[{a.Low}, {a.High}]");
        Assert.Equal(a, b);
    }
}
