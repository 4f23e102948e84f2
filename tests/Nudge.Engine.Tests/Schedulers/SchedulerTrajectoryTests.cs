using System.Globalization;
using Nudge.Engine.Schedulers;
using Xunit.Abstractions;

namespace Nudge.Engine.Tests.Schedulers;

/// <summary>
/// Every reference case of shared/reference/schedulers/cases/*.json, replayed end to end: same config,
/// same timesteps/sigmas, the documented fake model computed from our own scaled input, the stored noise,
/// and every scaled input / prev_sample compared to diffusers with |a - b| &lt;= 1e-4 * max(1, |b|).
/// </summary>
public sealed class SchedulerTrajectoryTests(ITestOutputHelper output)
{
    /// <summary>Relative per-element tolerance for samples (1e-4 relative, absolute below magnitude 1).</summary>
    private const double SampleTolerance = 1e-4;

    /// <summary>Timesteps, sigmas and init_noise_sigma are schedule quantities: much tighter.</summary>
    private const double ScheduleTolerance = 1e-5;

    private static readonly string[] KnownSchedulers =
    [
        "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler",
        "LMSDiscreteScheduler", "DPMSolverMultistepScheduler",
    ];

    public static TheoryData<string> DdimCases => SchedulerReference.CaseIds("DDIMScheduler");

    public static TheoryData<string> PndmCases => SchedulerReference.CaseIds("PNDMScheduler");

    public static TheoryData<string> EulerCases => SchedulerReference.CaseIds("EulerDiscreteScheduler");

    public static TheoryData<string> EulerAncestralCases => SchedulerReference.CaseIds("EulerAncestralDiscreteScheduler");

    public static TheoryData<string> LmsCases => SchedulerReference.CaseIds("LMSDiscreteScheduler");

    public static TheoryData<string> DpmSolverCases => SchedulerReference.CaseIds("DPMSolverMultistepScheduler");

    [Fact]
    public void Reference_cases_folder_exists_and_holds_cases()
    {
        Assert.True(SchedulerReference.Problem is null, SchedulerReference.Problem);
        Assert.NotEmpty(SchedulerReference.AllCases);
    }

    [Fact]
    public void Every_reference_case_uses_a_supported_scheduler()
    {
        Assert.True(SchedulerReference.Problem is null, SchedulerReference.Problem);
        var unknown = SchedulerReference.AllCases.Where(c => !KnownSchedulers.Contains(c.Scheduler)).Select(c => $"{c.Id} ({c.Scheduler})").ToList();
        Assert.True(unknown.Count == 0, "cases with a scheduler no trajectory theory covers: " + string.Join(", ", unknown));
    }

    [Theory]
    [MemberData(nameof(DdimCases))]
    public void Ddim_matches_diffusers_trajectory(string caseId) => Replay(caseId);

    [Theory]
    [MemberData(nameof(PndmCases))]
    public void Pndm_matches_diffusers_trajectory(string caseId) => Replay(caseId);

    [Theory]
    [MemberData(nameof(EulerCases))]
    public void Euler_matches_diffusers_trajectory(string caseId) => Replay(caseId);

    [Theory]
    [MemberData(nameof(EulerAncestralCases))]
    public void EulerAncestral_matches_diffusers_trajectory(string caseId) => Replay(caseId);

    [Theory]
    [MemberData(nameof(LmsCases))]
    public void Lms_matches_diffusers_trajectory(string caseId) => Replay(caseId);

    [Theory]
    [MemberData(nameof(DpmSolverCases))]
    public void DpmSolverMultistep_matches_diffusers_trajectory(string caseId) => Replay(caseId);

    [Theory]
    [MemberData(nameof(LmsCases))]
    public void Lms_coefficients_match_diffusers_quadrature(string caseId)
    {
        ReferenceCase rc = SchedulerReference.Get(caseId);
        var lms = Assert.IsType<LmsDiscreteScheduler>(CreateScheduler(rc));
        double maxRel = 0;
        foreach (ReferenceStep step in rc.Steps)
        {
            Assert.NotNull(step.LmsCoefficients);
            int order = step.LmsCoefficients!.Length;
            Assert.Equal(Math.Min(step.Index + 1, 4), order);
            // scipy integrates a float32 integrand, so compare relative to the coefficient or the step size
            // (sigma_{k+1} - sigma_k), whichever is larger.
            double stepSize = Math.Abs((double)lms.Sigmas[step.Index + 1] - lms.Sigmas[step.Index]);
            for (int j = 0; j < order; j++)
            {
                double mine = lms.GetLmsCoefficient(order, step.Index, j);
                double expected = step.LmsCoefficients[j];
                double rel = Math.Abs(mine - expected) / Math.Max(Math.Abs(expected), stepSize);
                maxRel = Math.Max(maxRel, rel);
                Assert.True(rel <= 1e-5, $"step {step.Index} coefficient {j}: {mine:R} vs diffusers {expected:R} (rel {rel:E2})");
            }
        }

        output.WriteLine($"{rc.Id}: max relative LMS coefficient difference {maxRel:E3}");
    }

    private static IScheduler CreateScheduler(ReferenceCase rc)
    {
        SchedulerConfig config = SchedulerConfig.FromJson(rc.ConfigJson);
        IScheduler scheduler = SchedulerFactory.Create(config, rc.Scheduler);
        Assert.Equal(rc.Scheduler, scheduler.Name);
        if (rc.Eta is double eta)
        {
            Assert.IsType<DdimScheduler>(scheduler).Eta = eta;
        }

        scheduler.SetTimesteps(rc.NumInferenceSteps);
        return scheduler;
    }

    private void Replay(string caseId)
    {
        ReferenceCase rc = SchedulerReference.Get(caseId);
        IScheduler scheduler = CreateScheduler(rc);

        // Schedule: timesteps, sigmas, init_noise_sigma.
        Assert.Equal(rc.Timesteps.Length, scheduler.Timesteps.Length);
        for (int i = 0; i < rc.Timesteps.Length; i++)
        {
            double expected = rc.Timesteps[i];
            double actual = scheduler.Timesteps[i];
            if (rc.IntegerTimesteps)
            {
                Assert.True(actual == expected, $"timestep {i}: {actual} vs diffusers {expected}");
            }
            else
            {
                Assert.True(Math.Abs(actual - expected) <= ScheduleTolerance * Math.Max(1, Math.Abs(expected)), $"timestep {i}: {actual:R} vs diffusers {expected:R}");
            }
        }

        if (rc.Sigmas is { } sigmas)
        {
            AssertClose("sigmas", scheduler.Sigmas, sigmas, ScheduleTolerance);
        }

        Assert.True(
            Math.Abs(scheduler.InitNoiseSigma - rc.InitNoiseSigma) <= ScheduleTolerance * Math.Max(1, rc.InitNoiseSigma),
            $"init_noise_sigma {scheduler.InitNoiseSigma:R} vs diffusers {rc.InitNoiseSigma:R}");

        // Trajectory.
        int n = rc.InitialNoise.Length;
        var sample = new float[n];
        for (int i = 0; i < n; i++)
        {
            sample[i] = rc.InitialNoise[i] * scheduler.InitNoiseSigma;
        }

        AssertClose("initial_sample", sample, rc.InitialSample, SampleTolerance);

        var scaled = new float[n];
        var modelOutput = new float[n];
        var next = new float[n];
        double maxScaled = 0;
        double maxPrev = 0;
        Assert.Equal(scheduler.Timesteps.Length, rc.Steps.Count);
        for (int k = 0; k < rc.Steps.Count; k++)
        {
            ReferenceStep step = rc.Steps[k];
            Assert.Equal(k, step.Index);

            scheduler.ScaleModelInput(sample, k, scaled);
            maxScaled = Math.Max(maxScaled, AssertClose($"step {k} (t={step.T}) scaled_input", scaled, step.ScaledInput, SampleTolerance));

            FakeModel(scaled, k, modelOutput);
            Assert.True(
                scheduler.NeedsNoise(k) == step.Noise is not null,
                $"step {k}: NeedsNoise is {scheduler.NeedsNoise(k)} but diffusers {(step.Noise is null ? "drew no noise" : "drew noise")}");
            scheduler.Step(modelOutput, k, sample, next, step.Noise ?? default(ReadOnlySpan<float>));
            maxPrev = Math.Max(maxPrev, AssertClose($"step {k} (t={step.T}) prev_sample", next, step.PrevSample, SampleTolerance));
            (sample, next) = (next, sample);
        }

        double maxFinal = AssertClose("final_sample", sample, rc.FinalSample, SampleTolerance);
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"MAXERR {rc.Scheduler} {rc.Id}: steps={rc.Steps.Count} scaled_input={maxScaled:E3} prev_sample={maxPrev:E3} final={maxFinal:E3}"));
    }

    /// <summary>The README's fake model: <c>(float)(0.5 * x + 0.1 * sin(k + x))</c> evaluated in double.</summary>
    private static void FakeModel(ReadOnlySpan<float> scaled, int k, Span<float> destination)
    {
        for (int i = 0; i < scaled.Length; i++)
        {
            double x = scaled[i];
            destination[i] = (float)((0.5 * x) + (0.1 * Math.Sin(k + x)));
        }
    }

    /// <summary>Asserts |a - b| &lt;= tol * max(1, |b|) element-wise; returns the largest |a - b| / max(1, |b|).</summary>
    private static double AssertClose(string what, ReadOnlySpan<float> actual, float[] expected, double tolerance)
    {
        Assert.True(actual.Length == expected.Length, $"{what}: length {actual.Length} vs diffusers {expected.Length}");
        double max = 0;
        int worst = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs((double)actual[i] - expected[i]) / Math.Max(1.0, Math.Abs((double)expected[i]));
            if (double.IsNaN(err))
            {
                err = double.PositiveInfinity;
            }

            if (err > max || worst < 0)
            {
                max = err;
                worst = i;
            }
        }

        Assert.True(
            max <= tolerance,
            $"{what}: element {worst} is {(worst >= 0 ? actual[worst] : float.NaN):R} but diffusers has {(worst >= 0 ? expected[worst] : float.NaN):R} (relative error {max:E3} > {tolerance:E1})");
        return max;
    }
}
