using Nudge.Mitigation.Embedding;
using Nudge.Mitigation.Nudging;

namespace Nudge.Mitigation.Tests.Nudging;

public sealed class NudgeObjectiveTests
{
    private static float[] RandomVector(Random r, int n, bool unit = false)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = (float)((r.NextDouble() * 2) - 1);
        }

        if (unit)
        {
            float norm = MathF.Sqrt(v.Sum(x => x * x));
            for (int i = 0; i < n; i++)
            {
                v[i] /= norm;
            }
        }

        return v;
    }

    public static TheoryData<string, ProximityNorm> Cases() => new()
    {
        { "identity", ProximityNorm.L2 },
        { "identity", ProximityNorm.L1 },
        { "projected", ProximityNorm.L2 },
        { "projected", ProximityNorm.L1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_gradient_matches_central_finite_differences(string map, ProximityNorm norm)
    {
        var r = new Random(7);
        int d = 24, e = 16;
        IRepresentationMap g = map == "identity"
            ? NormalizedLinearMap.Identity(d)
            : NormalizedLinearMap.Projected(new TextProjection(RandomVector(r, e * d), e, d));
        var l0 = RandomVector(r, d);
        var desired = new[] { RandomVector(r, g.OutputDimension, true), RandomVector(r, g.OutputDimension, true) };
        var undesired = new[] { RandomVector(r, g.OutputDimension, true) };
        var f = new NudgeObjective(g, l0, desired, undesired, alpha: 0.7f, beta: 1.3f, lambda: 0.4f, norm);

        // Evaluate away from L0 (where the norm is not differentiable).
        var l = l0.Zip(RandomVector(r, d), (a, b) => a + (0.3f * b)).ToArray();
        var grad = new float[d];
        f.Gradient(l, grad);
        const float h = 1e-3f;
        for (int i = 0; i < d; i++)
        {
            var plus = (float[])l.Clone();
            var minus = (float[])l.Clone();
            plus[i] += h;
            minus[i] -= h;
            double numeric = (f.Value(plus) - f.Value(minus)) / (2 * h);
            Assert.True(Math.Abs(numeric - grad[i]) <= 2e-3 * Math.Max(1, Math.Abs(numeric)), $"component {i}: analytic {grad[i]}, numeric {numeric}");
        }
    }

    [Fact]
    public void Descent_lowers_the_push_until_the_target_and_stays_near_L0()
    {
        var r = new Random(3);
        int d = 32;
        var u = RandomVector(r, d, true);
        var l0 = u.Select((v, i) => v + (0.05f * (float)Math.Sin(i))).ToArray(); // L0 almost equal to U
        var f = new NudgeObjective(NormalizedLinearMap.Identity(d), l0, [], [u], alpha: 0, beta: 1, lambda: 0.1f, ProximityNorm.L2);
        var outcome = EmbeddingNudger.Minimize(f, new NudgeOptions { PushTarget = 0.6f, StepSize = 0.02f, Iterations = 500 });
        Assert.True(outcome.InitialPush > 0.95f);
        Assert.True(outcome.FinalPush < 0.6f, $"push {outcome.FinalPush}");
        Assert.True(outcome.Iterations < 500, "stops early once below target");
        Assert.True(outcome.FinalObjective < outcome.InitialObjective);
    }

    [Fact]
    public void Without_undesired_embeddings_a_zero_weight_pull_leaves_L0_unchanged()
    {
        var l0 = new float[] { 1, 2, 3 };
        var f = new NudgeObjective(NormalizedLinearMap.Identity(3), l0, [], [], 0, 0, 1, ProximityNorm.L2);
        var outcome = EmbeddingNudger.Minimize(f, new NudgeOptions { PushTarget = -2f });
        Assert.Equal(l0, outcome.Representation);
    }
}
