using Nudge.Mitigation.Pipeline;
using Nudge.Orchestration.State;

namespace Nudge.Orchestration.Tests.State;

/// <summary>The state the image activities hand on: stored bit for bit, so a step in another process gives the same pixels.</summary>
[Collection(WorkerCollection.Name)]
public sealed class ImageStateTests(WorkerFixture fx)
{
    [Fact]
    public async Task A_first_pass_read_back_from_its_state_nudges_to_the_same_png_as_the_original()
    {
        var pipeline = await fx.Services.GetNudgingPipelineAsync();
        var request = Requests.Tiny("the vermeer painting of a red circle", seed: 1) with { Steps = 20, GuidanceScale = 3 };
        var first = pipeline.GenerateFirstPass(request);
        var restored = FirstPassState.Read(FirstPassState.Write(first));

        Assert.Equal(first.Request, restored.Request);
        Assert.Equal((first.Width, first.Height, first.SchedulerName, first.Timings), (restored.Width, restored.Height, restored.SchedulerName, restored.Timings));
        var (a, b) = (first.Images[0], restored.Images[0]);
        Assert.Equal(a.Png.ToArray(), b.Png.ToArray());
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.Equal(a.Latent, b.Latent);
        Assert.Equal(a.Captures.Keys.Order(), b.Captures.Keys.Order());
        Assert.NotEmpty(a.Captures);

        var report = pipeline.FilterImage(request.Prompt, a, first.Width, first.Height);
        var matched = NudgeDecision.After(pipeline.Policy, report, 0, []).Matched;
        Assert.NotEmpty(matched);
        var fromOriginal = pipeline.Nudge(first, a, 0, matched);
        var fromState = pipeline.Nudge(restored, b, 0, matched);
        Assert.Equal(fromOriginal.Image.Png.ToArray(), fromState.Image.Png.ToArray());

        var round = RoundState.Read(RoundState.Write(fromState));
        Assert.Equal(fromState with { Image = round.Image, MatchedEntries = round.MatchedEntries }, round);
        Assert.Equal(fromState.MatchedEntries, round.MatchedEntries);
        Assert.Equal(fromState.Image.Pixels, round.Image.Pixels);
        Assert.Equal(fromState.Image.Png.ToArray(), round.Image.Png.ToArray());
    }

    [Fact]
    public async Task A_truncated_or_foreign_state_file_is_refused_with_a_clear_error()
    {
        var pipeline = await fx.Services.GetNudgingPipelineAsync();
        var bytes = FirstPassState.Write(pipeline.GenerateFirstPass(Requests.Tiny()));

        var truncated = Assert.Throws<InvalidDataException>(() => FirstPassState.Read(bytes.AsMemory(0, bytes.Length - 100)));
        Assert.Contains("truncated", truncated.Message);
        var foreign = Assert.Throws<InvalidDataException>(() => FirstPassState.Read("{\"not\": \"a state\"}"u8.ToArray()));
        Assert.Contains("not a Nudge state file", foreign.Message);
        Assert.Throws<InvalidDataException>(() => RoundState.Read(bytes));
    }
}
