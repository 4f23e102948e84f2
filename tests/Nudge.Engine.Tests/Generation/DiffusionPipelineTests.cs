using Nudge.Engine.Generation;

namespace Nudge.Engine.Tests.Generation;

[Collection(TinyModelCollection.Name)]
public sealed class DiffusionPipelineTests(TinyModelFixture tiny)
{
    private static readonly GenerationRequest RedCircle = new() { Prompt = "a red circle on a blue background", Seed = 11, Steps = 12 };

    [Fact]
    public void The_same_seed_and_settings_give_a_byte_identical_png()
    {
        var a = tiny.Pipeline.Generate(RedCircle);
        var b = tiny.Pipeline.Generate(RedCircle);
        Assert.Equal(a.Images[0].Png.ToArray(), b.Images[0].Png.ToArray());
    }

    [Fact]
    public void Another_seed_gives_another_image()
    {
        var a = tiny.Pipeline.Generate(RedCircle);
        var b = tiny.Pipeline.Generate(RedCircle with { Seed = 12 });
        Assert.NotEqual(a.Images[0].Png.ToArray(), b.Images[0].Png.ToArray());
    }

    [Fact]
    public void A_batch_gives_each_image_its_own_consecutive_seed()
    {
        var r = tiny.Pipeline.Generate(RedCircle with { Count = 3 });
        Assert.Equal([11L, 12L, 13L], r.Images.Select(i => i.Seed));
        Assert.Equal(3, r.Images.Select(i => Convert.ToBase64String(i.Png.Span)).Distinct().Count());
        Assert.All(r.Images, i => Assert.Equal(3 * 64 * 64, i.Pixels.Length));
    }

    [Fact]
    public void Progress_is_reported_for_every_denoising_step()
    {
        var seen = new List<GenerationProgress>();
        tiny.Pipeline.Generate(RedCircle, new SyncProgress(seen.Add));
        var denoise = seen.Where(p => p.Phase == "denoise").ToList();
        Assert.Equal(13, denoise.Count); // PLMS runs steps + 1 timesteps
        Assert.Equal(Enumerable.Range(1, 13), denoise.Select(p => p.Step));
        Assert.Contains(seen, p => p.Phase == "decode" && p.Step == 1);
    }

    [Fact]
    public void Cancellation_stops_the_run()
    {
        using var cts = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Phase == "denoise" && p.Step == 2)
            {
                cts.Cancel();
            }
        });
        Assert.ThrowsAny<OperationCanceledException>(() => tiny.Pipeline.Generate(RedCircle, progress, cts.Token));
    }

    [Fact]
    public void An_invalid_request_names_every_bad_field()
    {
        var ex = Assert.Throws<ArgumentException>(() => tiny.Pipeline.Generate(new GenerationRequest { Prompt = " ", Steps = 0, Width = 63 }));
        Assert.Contains("prompt", ex.Message);
        Assert.Contains("steps", ex.Message);
        Assert.Contains("width", ex.Message);
    }

    [Theory]
    [InlineData("ddim")]
    [InlineData("euler")]
    [InlineData("euler-a")]
    [InlineData("lms")]
    [InlineData("dpm++2m")]
    public void Every_scheduler_produces_a_finite_image(string scheduler)
    {
        var r = tiny.Pipeline.Generate(RedCircle with { Scheduler = scheduler });
        Assert.All(r.Images[0].Pixels, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Restarting_from_a_captured_step_with_the_same_conditioning_reproduces_the_run()
    {
        // DDIM is first-order and keeps no history, so a restart from step k is exact.
        var enc = tiny.Pipeline.EncodePrompts(["", RedCircle.Prompt], out _);
        var init = DiffusionPipeline.InitialLatents([7], 8, 8, 1f);
        var baseRequest = new DenoiseRequest
        {
            Conditioning = [enc[1]],
            Unconditional = enc[0],
            Scheduler = tiny.Model.SchedulerConfig,
            SchedulerName = "ddim",
            Steps = 10,
            LatentHeight = 8,
            LatentWidth = 8,
            InitialSample = init,
            Seeds = [7],
            CaptureSteps = new HashSet<int> { 4 },
        };
        var full = tiny.Pipeline.Denoise(baseRequest);
        var restarted = tiny.Pipeline.Denoise(baseRequest with { InitialSample = full.Captures[4].Sample, StartStep = 4, CaptureSteps = new HashSet<int>() });
        Assert.Equal(full.Latents, restarted.Latents);

        var other = tiny.Pipeline.EncodePrompt("a large yellow star on a checkered purple background");
        var steered = tiny.Pipeline.Denoise(baseRequest with { InitialSample = full.Captures[4].Sample, StartStep = 4, Conditioning = [other] });
        Assert.NotEqual(full.Latents, steered.Latents);
    }

    [Fact]
    public void Latent_noise_is_seeded_standard_normal()
    {
        var a = new float[100_000];
        var b = new float[100_000];
        LatentNoise.Fill(42, 0, a);
        LatentNoise.Fill(42, 0, b);
        Assert.Equal(a, b);
        double mean = a.Average(), variance = a.Select(v => (v - mean) * (v - mean)).Average();
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(variance, 0.98, 1.02);
        LatentNoise.Fill(42, 1, b);
        Assert.NotEqual(a, b);
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<GenerationProgress> report) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => report(value);
    }
}
