using Nudge.Mitigation.Filters;

namespace Nudge.Mitigation.Tests.Filters;

public sealed class FilterChainTests
{
    private sealed class Fake(string name, bool fires, bool blocking, FilterStage stage = FilterStage.Image) : IGenerationFilter
    {
        public int Calls { get; private set; }

        public string Name => name;

        public FilterStage Stage => stage;

        public bool Blocking => blocking;

        public FilterAction Action => FilterAction.Nudge;

        public FilterResult Evaluate(FilterInput input)
        {
            Calls++;
            return new FilterResult(name, fires ? 1 : 0, 0.5f, fires, blocking, Action, [], false, 0);
        }
    }

    private static FilterInput Input() => new(null!, "a prompt");

    [Fact]
    public void Filters_run_in_the_configured_order()
    {
        var chain = new FilterChain([new Fake("cheap", false, true), new Fake("middle", false, false), new Fake("costly", false, true)]);
        var report = chain.Run(Input(), FilterStage.Image);
        Assert.Equal(["cheap", "middle", "costly"], report.Results.Select(r => r.Name));
        Assert.All(report.Results, r => Assert.False(r.Skipped));
    }

    [Fact]
    public void Once_a_blocking_filter_fires_the_later_ones_are_skipped_without_running()
    {
        var later = new Fake("costly", true, true);
        var chain = new FilterChain([new Fake("cheap", false, true), new Fake("blocker", true, true), later]);
        var report = chain.Run(Input(), FilterStage.Image);
        Assert.Equal([false, false, true], report.Results.Select(r => r.Skipped));
        Assert.Equal(0, later.Calls);
        Assert.True(report.NeedsNudge);
    }

    [Fact]
    public void A_non_blocking_filter_that_fires_does_not_skip_the_rest()
    {
        var later = new Fake("costly", false, true);
        var chain = new FilterChain([new Fake("flagger", true, false), later]);
        var report = chain.Run(Input(), FilterStage.Image);
        Assert.Equal(1, later.Calls);
        Assert.False(report.Results[1].Skipped);
    }

    [Fact]
    public void Each_stage_runs_only_its_own_filters()
    {
        var prompt = new Fake("prompt", false, false, FilterStage.Prompt);
        var image = new Fake("image", false, true);
        var chain = new FilterChain([prompt, image]);
        Assert.Equal(["prompt"], chain.Run(Input(), FilterStage.Prompt).Results.Select(r => r.Name));
        Assert.Equal(0, image.Calls);
    }

    [Fact]
    public void A_filter_listed_twice_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new FilterChain([new Fake("a", false, false), new Fake("a", false, false)]));
    }
}
