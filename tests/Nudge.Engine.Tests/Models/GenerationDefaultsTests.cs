using Nudge.Engine.Generation;
using Nudge.Engine.Models;

namespace Nudge.Engine.Tests.Models;

/// <summary>A model folder's declared defaults (<c>generation_defaults.json</c>) and the order they apply in.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class GenerationDefaultsTests(TinyModelFixture tiny)
{
    [Fact]
    public void The_bundled_tiny_model_declares_guidance_3()
    {
        Assert.Equal(3f, tiny.Model.Defaults?.GuidanceScale);
    }

    [Fact]
    public void A_request_value_wins_over_the_model_which_wins_over_stable_diffusion()
    {
        var declared = new GenerationDefaults { GuidanceScale = 3f };
        var own = new GenerationRequest { Prompt = "x", GuidanceScale = 5f, Steps = 7 }.WithDefaults(declared);
        Assert.Equal((5f, 7), (own.ResolvedGuidanceScale, own.ResolvedSteps));
        Assert.Equal(new SettingSources("request", "request", "model", "model"), own.Sources);

        var left = new GenerationRequest { Prompt = "x" }.WithDefaults(declared);
        Assert.Equal((3f, 20), (left.ResolvedGuidanceScale, left.ResolvedSteps));
        Assert.Equal(new SettingSources("model", "stable-diffusion", "model", "model"), left.Sources);

        var none = new GenerationRequest { Prompt = "x" }.WithDefaults(null);
        Assert.Equal((7.5f, 20), (none.ResolvedGuidanceScale, none.ResolvedSteps));
        Assert.Equal("stable-diffusion", none.Sources!.Guidance);
    }

    [Fact]
    public void Filling_twice_changes_nothing_and_an_unfilled_request_refuses_to_report_its_guidance()
    {
        var once = new GenerationRequest { Prompt = "x" }.WithDefaults(new GenerationDefaults { GuidanceScale = 3f });
        Assert.Same(once, once.WithDefaults(new GenerationDefaults { GuidanceScale = 9f }));
        Assert.Throws<InvalidOperationException>(() => new GenerationRequest { Prompt = "x" }.ResolvedGuidanceScale);
    }

    [Fact]
    public void Generating_without_guidance_on_the_tiny_model_gives_the_same_pixels_as_asking_for_3()
    {
        var implicitResult = tiny.Pipeline.Generate(new GenerationRequest { Prompt = "a red circle on a blue background", Seed = 4, Steps = 4 });
        var explicitResult = tiny.Pipeline.Generate(new GenerationRequest { Prompt = "a red circle on a blue background", Seed = 4, Steps = 4, GuidanceScale = 3f });
        Assert.Equal(explicitResult.Images[0].Png.ToArray(), implicitResult.Images[0].Png.ToArray());
        Assert.Equal("model", implicitResult.Request.Sources!.Guidance);
        Assert.Equal("request", explicitResult.Request.Sources!.Guidance);
        // Same settings, same id: the id hashes the values, not where they came from.
        Assert.Equal(ImageRecord.MakeId(explicitResult.Request, 4, tiny.Model.Name), ImageRecord.MakeId(implicitResult.Request, 4, tiny.Model.Name));
    }

    [Fact]
    public void An_unfilled_request_survives_a_json_round_trip_as_unfilled()
    {
        // Orchestration payloads carry requests as JSON: the unfilled values must stay null, not fail or become defaults.
        var json = System.Text.Json.JsonSerializer.Serialize(new GenerationRequest { Prompt = "x" });
        var back = System.Text.Json.JsonSerializer.Deserialize<GenerationRequest>(json)!;
        Assert.Null(back.GuidanceScale);
        Assert.Null(back.Sources);
        Assert.Equal(3f, back.WithDefaults(new GenerationDefaults { GuidanceScale = 3f }).ResolvedGuidanceScale);
    }

    [Fact]
    public void A_folder_without_the_file_declares_nothing()
    {
        using var copy = new ModelFolderCopy();
        File.Delete(copy[GenerationDefaults.FileName]);
        Assert.Null(GenerationDefaults.Read(copy.Path));
    }

    [Theory]
    [InlineData("{\"guidance_scale\": 80}", "guidance_scale must be between 0 and 50")]
    [InlineData("{\"num_inference_steps\": 0}", "num_inference_steps must be between 1 and 150")]
    [InlineData("{\"scheduler\": \"warp\"}", "scheduler 'warp'")]
    [InlineData("{\"width\": 100}", "width must be a positive multiple of 8")]
    [InlineData("{\"guidance\": 3}", "guidance")]
    [InlineData("{\"guidance_scale\": \"three\"}", "could not be converted")]
    [InlineData("[1]", "could not be converted")]
    public void A_malformed_file_fails_the_load_naming_the_file_and_the_field(string json, string expected)
    {
        using var copy = new ModelFolderCopy();
        File.WriteAllText(copy[GenerationDefaults.FileName], json);
        var ex = Assert.Throws<ModelLoadException>(() => GenerationDefaults.Read(copy.Path));
        Assert.EndsWith(GenerationDefaults.FileName, ex.Path);
        Assert.Contains(expected, ex.Message);
    }
}
