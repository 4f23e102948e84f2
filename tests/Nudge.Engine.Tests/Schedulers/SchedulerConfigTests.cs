using Nudge.Engine.Schedulers;

namespace Nudge.Engine.Tests.Schedulers;

public sealed class SchedulerConfigTests
{
    private const string Sd14Json = """
        {
          "_class_name": "PNDMScheduler",
          "_diffusers_version": "0.7.0.dev0",
          "beta_end": 0.012,
          "beta_schedule": "scaled_linear",
          "beta_start": 0.00085,
          "num_train_timesteps": 1000,
          "set_alpha_to_one": false,
          "skip_prk_steps": true,
          "steps_offset": 1,
          "trained_betas": null,
          "clip_sample": false
        }
        """;

    [Fact]
    public void FromJson_reads_a_stable_diffusion_scheduler_config()
    {
        SchedulerConfig config = SchedulerConfig.FromJson(Sd14Json);
        Assert.Equal(SchedulerConfig.StableDiffusion14, config);
        Assert.Null(config.TimestepSpacing);
        Assert.Equal(PredictionType.Epsilon, config.PredictionType);
    }

    [Fact]
    public void FromJson_applies_diffusers_defaults_for_dpm_keys_and_ignores_unknown_keys()
    {
        SchedulerConfig config = SchedulerConfig.FromJson("""{ "some_future_key": [1, 2, {"x": null}], "prediction_type": "v_prediction", "timestep_spacing": "trailing" }""");
        Assert.Equal(2, config.SolverOrder);
        Assert.Equal(DpmSolverAlgorithmType.DpmSolverPlusPlus, config.AlgorithmType);
        Assert.Equal(DpmSolverType.Midpoint, config.SolverType);
        Assert.True(config.LowerOrderFinal);
        Assert.Equal(FinalSigmasType.Zero, config.FinalSigmasType);
        Assert.Equal(double.NegativeInfinity, config.LambdaMinClipped);
        Assert.Equal(PredictionType.VPrediction, config.PredictionType);
        Assert.Equal(TimestepSpacing.Trailing, config.TimestepSpacing);
    }

    [Fact]
    public void FromJson_accepts_python_non_finite_literals()
    {
        SchedulerConfig config = SchedulerConfig.FromJson("""{ "lambda_min_clipped": -Infinity, "_class_name": "NaN-Infinity" }""");
        Assert.Equal(double.NegativeInfinity, config.LambdaMinClipped);
        Assert.Equal("NaN-Infinity", config.ClassName);
        Assert.Equal(double.NegativeInfinity, SchedulerConfig.FromJson("""{ "lambda_min_clipped": "-inf" }""").LambdaMinClipped);
    }

    [Fact]
    public void FromJson_rejects_an_unknown_beta_schedule_naming_the_key()
    {
        var ex = Assert.Throws<FormatException>(() => SchedulerConfig.FromJson("""{ "beta_schedule": "cosine" }"""));
        Assert.Contains("beta_schedule", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cosine", ex.Message, StringComparison.Ordinal);
        Assert.Contains("scaled_linear", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "num_train_timesteps": "many" }""", "num_train_timesteps")]
    [InlineData("""{ "beta_start": true }""", "beta_start")]
    [InlineData("""{ "prediction_type": "noise" }""", "prediction_type")]
    [InlineData("""{ "timestep_spacing": "uniform" }""", "timestep_spacing")]
    [InlineData("""{ "skip_prk_steps": "yes" }""", "skip_prk_steps")]
    [InlineData("""{ "solver_order": 5 }""", "solver_order")]
    [InlineData("""{ "trained_betas": [0.1, 0.2] }""", "trained_betas")]
    public void FromJson_rejects_invalid_values_naming_the_key(string json, string key)
    {
        var ex = Assert.Throws<FormatException>(() => SchedulerConfig.FromJson(json));
        Assert.Contains(key, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("{ not json")]
    public void FromJson_rejects_text_that_is_not_a_json_object(string json)
    {
        Assert.Throws<InvalidDataException>(() => SchedulerConfig.FromJson(json));
    }

    [Fact]
    public void FromFile_reads_the_file_and_reports_its_path_on_errors()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nudge-scheduler-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string good = Path.Combine(dir, "scheduler_config.json");
            File.WriteAllText(good, Sd14Json);
            Assert.Equal(SchedulerConfig.StableDiffusion14, SchedulerConfig.FromFile(good));

            string bad = Path.Combine(dir, "bad.json");
            File.WriteAllText(bad, """{ "beta_schedule": "quadratic" }""");
            var ex = Assert.Throws<FormatException>(() => SchedulerConfig.FromFile(bad));
            Assert.Contains("bad.json", ex.Message, StringComparison.Ordinal);
            Assert.Contains("beta_schedule", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
