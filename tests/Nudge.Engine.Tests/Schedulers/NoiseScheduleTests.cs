using Nudge.Engine.Schedulers;

namespace Nudge.Engine.Tests.Schedulers;

/// <summary>The training schedule (betas, alphas_cumprod) is computed, not loaded, and matches PyTorch's float32 values.</summary>
public sealed class NoiseScheduleTests
{
    public static TheoryData<string> ReferenceFiles => SchedulerReference.FileNames();

    [Theory]
    [MemberData(nameof(ReferenceFiles))]
    public void Betas_and_alphas_cumprod_match_diffusers(string fileName)
    {
        ReferenceFile file = SchedulerReference.GetFile(fileName);
        NoiseSchedule schedule = NoiseSchedule.FromConfig(SchedulerConfig.FromJson(file.BaseConfigJson));

        AssertRelative("betas", schedule.Betas, file.Betas, 1e-7);
        AssertRelative("alphas_cumprod", schedule.AlphasCumprod, file.AlphasCumprod, 1e-7);
    }

    [Fact]
    public void Sd14_alphas_cumprod_is_pytorch_float32_cumprod_not_a_float32_running_product()
    {
        NoiseSchedule schedule = NoiseSchedule.FromConfig(SchedulerConfig.StableDiffusion14);
        float running = 1f;
        int differences = 0;
        for (int i = 0; i < schedule.NumTrainTimesteps; i++)
        {
            running *= 1f - schedule.Betas[i];
            if (running != schedule.AlphasCumprod[i])
            {
                differences++;
            }
        }

        // PyTorch accumulates in double; a float32 running product drifts away from it.
        Assert.True(differences > 100, $"only {differences} entries differ from a float32 running product");
        Assert.Equal(0.00085f, schedule.Betas[0], 1e-9f);
        Assert.Equal(0.012f, schedule.Betas[^1], 1e-9f);
    }

    [Fact]
    public void Linear_and_cosine_schedules_are_increasing_and_bounded()
    {
        foreach (BetaSchedule kind in new[] { BetaSchedule.Linear, BetaSchedule.SquaredCosCapV2 })
        {
            NoiseSchedule schedule = NoiseSchedule.FromConfig(new SchedulerConfig { BetaSchedule = kind });
            Assert.Equal(1000, schedule.NumTrainTimesteps);
            for (int i = 1; i < schedule.NumTrainTimesteps; i++)
            {
                Assert.True(schedule.Betas[i] >= schedule.Betas[i - 1], $"{kind}: betas decrease at {i}");
                Assert.True(schedule.AlphasCumprod[i] < schedule.AlphasCumprod[i - 1], $"{kind}: alphas_cumprod not decreasing at {i}");
            }

            Assert.True(schedule.Betas[^1] <= 0.999f);
        }
    }

    private static void AssertRelative(string what, ReadOnlySpan<float> actual, float[] expected, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double rel = Math.Abs((double)actual[i] - expected[i]) / Math.Abs((double)expected[i]);
            Assert.True(rel <= tolerance, $"{what}[{i}] = {actual[i]:R} but diffusers has {expected[i]:R} (relative {rel:E2})");
        }
    }
}
