using Nudge.Mitigation.Nudging;

namespace Nudge.Mitigation.Tests.Nudging;

public sealed class NudgeOptionsTests
{
    [Fact]
    public void Each_further_round_pushes_harder_and_aims_lower()
    {
        var o = new NudgeOptions { Beta = 4, Lambda = 0.5f, StrengthGrowth = 2, PushTarget = 0.5f, MinimumPushDrop = 0.2f, PushTargetStep = 0.1f };

        var r0 = o.ForRound(0);
        var r2 = o.ForRound(2);

        Assert.Equal((4f, 0.5f, 0.5f, 0.2f), (r0.Beta, r0.Lambda, r0.PushTarget, r0.MinimumPushDrop));
        Assert.Equal(16f, r2.Beta);
        Assert.Equal(0.125f, r2.Lambda);
        Assert.Equal(0.3f, r2.PushTarget, 1e-6f);
        Assert.Equal(0.4f, r2.MinimumPushDrop, 1e-6f);
    }

    [Fact]
    public void A_later_round_moves_the_representation_further()
    {
        // With normalized gradient steps the distance is set by the push goal, so the lower goal of round 2
        // must end further from L0 than round 0 on the same objective.
        var r = new Random(3);
        int d = 32;
        var l0 = Enumerable.Range(0, d).Select(_ => (float)((r.NextDouble() * 2) - 1)).ToArray();
        var u = l0.Select(x => x + (float)(0.1 * ((r.NextDouble() * 2) - 1))).ToArray();
        var o = new NudgeOptions { StepSize = 0.01f, Iterations = 2000 };
        NudgeOutcome Run(int round)
        {
            var opts = o.ForRound(round);
            var f = new NudgeObjective(NormalizedLinearMap.Identity(d), l0, [], [u], opts.Alpha, opts.Beta, opts.Lambda, opts.Proximity);
            return EmbeddingNudger.Minimize(f, opts);
        }

        var first = Run(0);
        var third = Run(2);

        Assert.InRange(first.FinalPush, 0.3f, 0.5f);
        Assert.True(third.FinalPush <= 0.3f, $"round 2 stopped at similarity {third.FinalPush}");
        Assert.True(third.Distance > first.Distance, $"round 0 moved {first.Distance}, round 2 moved {third.Distance}");
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void An_out_of_range_push_target_step_is_rejected_by_name(float step)
    {
        var errors = new NudgeOptions { PushTargetStep = step }.Validate();
        Assert.Contains("push_target_step", errors.Keys);
    }
}
