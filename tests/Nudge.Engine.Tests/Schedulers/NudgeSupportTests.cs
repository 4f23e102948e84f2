using Nudge.Engine.Schedulers;

namespace Nudge.Engine.Tests.Schedulers;

/// <summary>
/// The pieces the nudging pipeline relies on: x̂0/ε̂ prediction, re-noising to a step's noise level,
/// restarting with empty history, in-place stepping and an allocation-free step loop.
/// </summary>
public sealed class NudgeSupportTests
{
    private const int Length = 4 * 8 * 8;

    public static TheoryData<string, PredictionType> SchedulersAndPredictionTypes()
    {
        var data = new TheoryData<string, PredictionType>();
        foreach (string name in SchedulerFactory.ShortNames)
        {
            data.Add(name, PredictionType.Epsilon);
            data.Add(name, PredictionType.VPrediction);
        }

        return data;
    }

    public static TheoryData<string> SchedulerNames()
    {
        var data = new TheoryData<string>();
        foreach (string name in SchedulerFactory.ShortNames)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SchedulersAndPredictionTypes))]
    public void AddNoiseAt_then_PredictOriginalSample_recovers_the_clean_latent(string name, PredictionType prediction)
    {
        IScheduler scheduler = Create(name, prediction);
        float[] x0 = Normal(1);
        float[] eps = Normal(2);
        var noisy = new float[Length];
        var modelOutput = new float[Length];
        var recoveredX0 = new float[Length];
        var recoveredEps = new float[Length];

        foreach (int k in new[] { 0, 1, scheduler.Timesteps.Length / 2, scheduler.Timesteps.Length - 1 })
        {
            scheduler.AddNoiseAt(x0, eps, k, noisy);
            NoiseLevel level = scheduler.GetNoiseLevel(k);
            for (int i = 0; i < Length; i++)
            {
                // What a perfect model would output for this noisy latent.
                modelOutput[i] = prediction == PredictionType.Epsilon
                    ? eps[i]
                    : (float)(level.ModelAlpha * eps[i] - level.ModelSigma * x0[i]);
            }

            scheduler.PredictOriginalSample(modelOutput, k, noisy, recoveredX0);
            scheduler.PredictNoise(modelOutput, k, noisy, recoveredEps);
            AssertClose($"{name}/{prediction} step {k} x0", recoveredX0, x0, 1e-5);
            AssertClose($"{name}/{prediction} step {k} eps", recoveredEps, eps, 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(SchedulerNames))]
    public void Restarting_at_step_k_equals_a_fresh_scheduler_started_at_k(string name)
    {
        IScheduler continued = Create(name, PredictionType.Epsilon);
        IScheduler fresh = Create(name, PredictionType.Epsilon);
        int steps = continued.Timesteps.Length;
        int restartAt = steps / 2;
        float[] sample = Normal(3);
        for (int i = 0; i < Length; i++)
        {
            sample[i] *= continued.InitNoiseSigma;
        }

        var scaled = new float[Length];
        var output = new float[Length];
        for (int k = 0; k < restartAt; k++)
        {
            RunStep(continued, k, sample, scaled, output);
        }

        // Nudge: re-noise the current x̂0 with the predicted noise and restart at the same step.
        var x0 = new float[Length];
        var eps = new float[Length];
        continued.ScaleModelInput(sample, restartAt, scaled);
        FakeModel(scaled, restartAt, output);
        continued.PredictOriginalSample(output, restartAt, sample, x0);
        continued.PredictNoise(output, restartAt, sample, eps);
        continued.AddNoiseAt(x0, eps, restartAt, sample);
        continued.ResetHistory();
        float[] restartSample = (float[])sample.Clone();

        for (int k = restartAt; k < steps; k++)
        {
            RunStep(continued, k, sample, scaled, output);
        }

        float[] freshSample = restartSample;
        for (int k = restartAt; k < steps; k++)
        {
            RunStep(fresh, k, freshSample, scaled, output);
        }

        Assert.Equal(freshSample, sample);
        Assert.All(sample, v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [MemberData(nameof(SchedulerNames))]
    public void Stepping_in_place_matches_stepping_into_a_separate_buffer(string name)
    {
        IScheduler inPlace = Create(name, PredictionType.Epsilon);
        IScheduler separate = Create(name, PredictionType.Epsilon);
        float[] a = Normal(4);
        float[] b = (float[])a.Clone();
        var scaled = new float[Length];
        var output = new float[Length];
        var next = new float[Length];
        for (int k = 0; k < inPlace.Timesteps.Length; k++)
        {
            RunStep(inPlace, k, a, scaled, output);

            separate.ScaleModelInput(b, k, scaled);
            FakeModel(scaled, k, output);
            separate.Step(output, k, b, next, separate.NeedsNoise(k) ? Normal(100 + k) : default);
            next.CopyTo(b, 0);
        }

        Assert.Equal(b, a);
    }

    [Theory]
    [MemberData(nameof(SchedulerNames))]
    public void Step_loop_does_not_allocate_after_the_first_step(string name)
    {
        IScheduler scheduler = Create(name, PredictionType.Epsilon);
        float[] sample = Normal(5);
        float[] noise = Normal(6);
        var scaled = new float[Length];
        var output = new float[Length];
        RunStep(scheduler, 0, sample, scaled, output, noise);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 1; k < scheduler.Timesteps.Length; k++)
        {
            RunStep(scheduler, k, sample, scaled, output, noise);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void DpmSolver_last_step_returns_the_predicted_original_sample()
    {
        IScheduler scheduler = Create("dpm++2m", PredictionType.Epsilon);
        float[] sample = Normal(7);
        var scaled = new float[Length];
        var output = new float[Length];
        int last = scheduler.Timesteps.Length - 1;
        for (int k = 0; k < last; k++)
        {
            RunStep(scheduler, k, sample, scaled, output);
        }

        var x0 = new float[Length];
        var prev = new float[Length];
        scheduler.ScaleModelInput(sample, last, scaled);
        FakeModel(scaled, last, output);
        scheduler.PredictOriginalSample(output, last, sample, x0);
        scheduler.Step(output, last, sample, prev);
        AssertClose("final step", prev, x0, 1e-6);
    }

    [Fact]
    public void Ddim_with_positive_eta_consumes_noise_on_every_step()
    {
        var ddim = (DdimScheduler)Create("ddim", PredictionType.Epsilon);
        Assert.False(ddim.NeedsNoise(0));
        ddim.Eta = 1.0;
        float[] sample = Normal(10);
        var withNoise = new float[Length];
        var withOtherNoise = new float[Length];
        for (int k = 0; k < ddim.Timesteps.Length; k++)
        {
            Assert.True(ddim.NeedsNoise(k));
        }

        ddim.Step(sample, 0, sample, withNoise, Normal(11));
        ddim.Step(sample, 0, sample, withOtherNoise, Normal(12));
        Assert.NotEqual(withNoise, withOtherNoise);
        Assert.Throws<ArgumentOutOfRangeException>(() => ddim.Eta = -0.5);
    }

    [Fact]
    public void Step_rejects_missing_noise_when_the_scheduler_needs_it()
    {
        IScheduler scheduler = Create("euler-a", PredictionType.Epsilon);
        float[] sample = Normal(8);
        var ex = Assert.Throws<ArgumentException>(() => scheduler.Step(sample, 0, sample, new float[Length], default));
        Assert.Contains("noise", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Step_before_SetTimesteps_is_an_error()
    {
        IScheduler scheduler = SchedulerFactory.Create(SchedulerConfig.StableDiffusion14, "ddim");
        float[] sample = Normal(9);
        Assert.Throws<InvalidOperationException>(() => scheduler.Step(sample, 0, sample, new float[Length]));
    }

    private static IScheduler Create(string name, PredictionType prediction)
    {
        IScheduler scheduler = SchedulerFactory.Create(SchedulerConfig.StableDiffusion14 with { PredictionType = prediction }, name);
        scheduler.SetTimesteps(20);
        return scheduler;
    }

    private static void RunStep(IScheduler scheduler, int k, float[] sample, float[] scaled, float[] output, float[]? noise = null)
    {
        scheduler.ScaleModelInput(sample, k, scaled);
        FakeModel(scaled, k, output);
        scheduler.Step(output, k, sample, sample, scheduler.NeedsNoise(k) ? noise ?? Normal(100 + k) : default);
    }

    private static void FakeModel(ReadOnlySpan<float> scaled, int k, Span<float> destination)
    {
        for (int i = 0; i < scaled.Length; i++)
        {
            double x = scaled[i];
            destination[i] = (float)((0.5 * x) + (0.1 * Math.Sin(k + x)));
        }
    }

    private static float[] Normal(int seed)
    {
        var rng = new Random(seed);
        var values = new float[Length];
        for (int i = 0; i < Length; i++)
        {
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return values;
    }

    private static void AssertClose(string what, ReadOnlySpan<float> actual, float[] expected, double tolerance)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs((double)actual[i] - expected[i]) / Math.Max(1.0, Math.Abs((double)expected[i]));
            Assert.True(err <= tolerance, $"{what}[{i}]: {actual[i]:R} vs {expected[i]:R} (relative {err:E2})");
        }
    }
}
