using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nudge.Engine.Generation;
using Nudge.Engine.Models;

namespace Nudge.Engine.Tests.Models;

[Collection(TinyModelCollection.Name)]
public sealed class StableDiffusionModelTests(TinyModelFixture tiny)
{
    private static readonly ModelLoadOptions Cpu = new() { ExecutionProvider = ExecutionProvider.Cpu };

    [Fact]
    public void Loads_every_component_of_the_bundled_tiny_model()
    {
        var m = tiny.Model;
        Assert.Equal(8, m.VaeScaleFactor); // vae_decoder/config.json: 4 block_out_channels, 2^(4-1)
        Assert.Equal(64, m.DefaultSize); // unet/config.json sample_size 8 × 8
        Assert.Equal(128, m.HiddenSize);
        Assert.NotNull(m.VaeEncoder);
        Assert.NotNull(m.Embedder);
        Assert.NotNull(m.Embedder!.TextProjectionPath);
        Assert.NotNull(m.CopyDetector);
        Assert.Equal("descriptor", m.CopyDetector!.OutputName);
        Assert.NotNull(m.CopyDetector.ConfigPath);
        Assert.Equal("CPU", m.ExecutionProvider);
        Assert.Equal(TensorElementType.Int64, m.UNet.InputType("timestep"));
        var vae = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyModelFixture.Folder, "vae_decoder", "config.json")))!;
        Assert.Equal(vae["scaling_factor"]!.GetValue<float>(), m.ScalingFactor);
    }

    [Fact]
    public void Identity_names_every_onnx_file_with_its_sha256()
    {
        var id = tiny.Model.Identity();
        Assert.Equal(["copy_detector/model.onnx", "embedder/text_model.onnx", "embedder/vision_model.onnx", "text_encoder/model.onnx", "unet/model.onnx", "vae_decoder/model.onnx", "vae_encoder/model.onnx"], id.FileHashes.Keys);
        Assert.All(id.FileHashes.Values, h => Assert.Matches("^[0-9a-f]{64}$", h));
    }

    [Fact]
    public void A_copy_detector_with_a_real_SSCD_exports_signature_and_no_configs_loads()
    {
        // fixtures/copy-detector-sscd: pixel_values [b,3,H,W] -> a 512-d output named "embeddings", as an SSCD
        // torchscript converted to ONNX comes; no preprocessor_config.json, no config.json.
        using var copy = new ModelFolderCopy();
        Directory.Delete(copy["copy_detector"], recursive: true);
        Directory.CreateDirectory(copy["copy_detector"]);
        File.Copy(copy["fixtures/copy-detector-sscd/model.onnx"], copy["copy_detector/model.onnx"]);
        using var m = StableDiffusionModel.Load(copy.Path, Cpu);
        Assert.Equal("embeddings", m.CopyDetector!.OutputName);
        Assert.Null(m.CopyDetector.PreprocessorConfigPath);
        Assert.Null(m.CopyDetector.ConfigPath);
        Assert.Equal(512, m.CopyDetector.Model.OutputDimensions("embeddings")[^1]);
    }

    [Fact]
    public void A_copy_detector_without_pixel_values_is_reported_with_its_file()
    {
        using var copy = new ModelFolderCopy();
        File.Copy(copy["unet/model.onnx"], copy["copy_detector/model.onnx"], overwrite: true);
        var ex = Assert.Throws<ModelLoadException>(() => StableDiffusionModel.Load(copy.Path, Cpu));
        Assert.EndsWith(Path.Combine("copy_detector", "model.onnx"), ex.Path);
        Assert.Contains("pixel_values", ex.Message);
    }

    [Fact]
    public void A_missing_folder_is_reported_by_its_path()
    {
        var ex = Assert.Throws<ModelLoadException>(() => StableDiffusionModel.Load("/nonexistent/model", Cpu));
        Assert.Contains("/nonexistent/model", ex.Message);
    }

    [Fact]
    public void A_component_with_the_wrong_signature_is_reported_with_its_file_and_the_mismatch()
    {
        using var copy = new ModelFolderCopy();
        File.Copy(copy["text_encoder/model.onnx"], copy["unet/model.onnx"], overwrite: true);
        var ex = Assert.Throws<ModelLoadException>(() => StableDiffusionModel.Load(copy.Path, Cpu));
        Assert.EndsWith(Path.Combine("unet", "model.onnx"), ex.Path);
        Assert.Contains("missing input 'sample'", ex.Message);
    }

    [Fact]
    public void A_missing_tokenizer_file_is_reported()
    {
        using var copy = new ModelFolderCopy();
        File.Delete(copy["tokenizer/merges.txt"]);
        var ex = Assert.Throws<ModelLoadException>(() => StableDiffusionModel.Load(copy.Path, Cpu));
        Assert.Contains("merges.txt", ex.Message);
    }

    [Theory]
    [InlineData("[32, 64, 128]", 4, 32)]
    [InlineData("[32, 64, 128, 128, 256]", 16, 128)]
    [InlineData(null, 8, 64)]
    public void The_vae_factor_and_default_size_follow_the_vae_configs_block_out_channels(string? channels, int factor, int size)
    {
        using var copy = new ModelFolderCopy();
        RewriteVaeConfig(copy, channels);
        using var m = StableDiffusionModel.Load(copy.Path, Cpu);
        Assert.Equal(factor, m.VaeScaleFactor);
        Assert.Equal(size, m.DefaultSize); // sample_size 8 × factor
    }

    [Fact]
    public void A_block_out_channels_that_is_not_a_list_is_reported_with_its_file()
    {
        using var copy = new ModelFolderCopy();
        RewriteVaeConfig(copy, "96");
        var ex = Assert.Throws<ModelLoadException>(() => StableDiffusionModel.Load(copy.Path, Cpu));
        Assert.EndsWith(Path.Combine("vae_decoder", "config.json"), ex.Path);
        Assert.Contains("block_out_channels", ex.Message);
    }

    [Fact]
    public void A_size_that_is_not_a_multiple_of_the_vae_factor_is_rejected_before_any_model_runs()
    {
        using var copy = new ModelFolderCopy();
        RewriteVaeConfig(copy, "[32, 64, 128, 128, 256]");
        using var m = StableDiffusionModel.Load(copy.Path, Cpu);
        var pipeline = new DiffusionPipeline(m);
        var ex = Assert.Throws<ArgumentException>(() => pipeline.Generate(new GenerationRequest { Prompt = "a red circle", Steps = 1, Width = 136, Height = 128 }));
        Assert.Contains("136×128", ex.Message);
        Assert.Contains("VAE factor 16", ex.Message);
    }

    private static void RewriteVaeConfig(ModelFolderCopy copy, string? blockOutChannels)
    {
        var path = copy["vae_decoder/config.json"];
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config.Remove("block_out_channels");
        if (blockOutChannels is not null)
        {
            config["block_out_channels"] = JsonNode.Parse(blockOutChannels);
        }

        File.WriteAllText(path, config.ToJsonString());
    }

    [Fact]
    public void Without_unet_config_the_default_resolution_is_512()
    {
        using var copy = new ModelFolderCopy();
        File.Delete(copy["unet/config.json"]);
        using var m = StableDiffusionModel.Load(copy.Path, Cpu);
        Assert.Equal(512, m.DefaultSize);
    }

    [Fact]
    public void A_float32_timestep_unet_loads_and_reproduces_the_int64_unet()
    {
        using var copy = new ModelFolderCopy();
        File.Copy(copy["fixtures/unet-float-timestep/model.onnx"], copy["unet/model.onnx"], overwrite: true);
        using var m = StableDiffusionModel.Load(copy.Path, Cpu);
        Assert.Equal(TensorElementType.Float, m.UNet.InputType("timestep"));
        var request = new GenerationRequest { Prompt = "a red circle on a blue background", Seed = 5, Steps = 10 };
        var viaFloat = new DiffusionPipeline(m).Generate(request);
        var viaInt = tiny.Pipeline.Generate(request);
        PyTorchParityTestsAccess.AssertClose(viaInt.Images[0].Latent, viaFloat.Images[0].Latent, 1e-5, "latent");
    }

    [Fact]
    public void A_float16_unet_runs_with_inputs_and_outputs_converted()
    {
        using var copy = new ModelFolderCopy();
        File.Copy(copy["fixtures/unet-fp16/model.onnx"], copy["unet/model.onnx"], overwrite: true);
        using var m = StableDiffusionModel.Load(copy.Path, Cpu);
        Assert.Equal(TensorElementType.Float16, m.UNet.InputType("sample"));
        var p = new DiffusionPipeline(m);
        var cond = p.EncodePrompt("a red circle");
        var sample = DiffusionPipeline.InitialLatents([3], 8, 8, 1f);
        var result = p.Denoise(new DenoiseRequest
        {
            Conditioning = [cond],
            Unconditional = cond,
            GuidanceScale = 1f,
            Scheduler = m.SchedulerConfig,
            SchedulerName = "ddim",
            Steps = 5,
            LatentHeight = 8,
            LatentWidth = 8,
            InitialSample = sample,
            Seeds = [3],
            CaptureSteps = new HashSet<int> { 0 },
        });

        // The fixture computes out = 0.5·sample + 0.001·t + mean(encoder_hidden_states) in float16.
        float t = DiffusionPipeline.CreateScheduler(m.SchedulerConfig, "ddim", 5).Timesteps[0];
        float mean = cond.HiddenStates.Average();
        var got = result.Captures[0].ModelOutput;
        for (int i = 0; i < sample.Length; i++)
        {
            float expected = (0.5f * sample[i]) + (0.001f * t) + mean;
            Assert.True(Math.Abs(got[i] - expected) <= 2e-2 * Math.Max(1, Math.Abs(expected)), $"element {i}: expected {expected}, got {got[i]}");
        }
    }
}

/// <summary>Shared tolerance check (see <see cref="Generation.PyTorchParityTests"/>).</summary>
internal static class PyTorchParityTestsAccess
{
    public static void AssertClose(float[] expected, float[] actual, double tol, string what) =>
        Generation.PyTorchParityTests.AssertClose(expected, actual, tol, what);
}
