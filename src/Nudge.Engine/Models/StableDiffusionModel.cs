using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Nudge.Engine.Schedulers;
using Nudge.Engine.Tokenization;

namespace Nudge.Engine.Models;

/// <summary>
/// A Stable Diffusion model folder in the diffusers ONNX layout (<c>model_index.json</c>,
/// <c>text_encoder/</c>, <c>unet/</c>, <c>vae_decoder/</c>, <c>vae_encoder/</c>, <c>tokenizer/</c>,
/// <c>scheduler/</c>, and <c>embedder/</c> and <c>copy_detector/</c> where present), loaded once with validated sessions.
/// The same loader takes the bundled tiny models and a real SD 1.4/1.5 export.
/// </summary>
public sealed class StableDiffusionModel : IDisposable
{
    /// <summary>Latent channels of Stable Diffusion 1.x.</summary>
    public const int LatentChannels = 4;

    /// <summary>Pixels per latent cell when <c>vae_decoder/config.json</c> does not say (Stable Diffusion's 8).</summary>
    public const int DefaultVaeScaleFactor = 8;

    private const float DefaultScalingFactor = 0.18215f;

    private StableDiffusionModel(string folder, string name, ClipTokenizer tokenizer, SchedulerConfig scheduler,
        OnnxComponent textEncoder, OnnxComponent unet, OnnxComponent vaeDecoder, OnnxComponent? vaeEncoder,
        EmbedderComponents? embedder, CopyDetectorComponents? copyDetector, float scalingFactor, int vaeScaleFactor, int defaultSize, string provider)
    {
        CopyDetector = copyDetector;
        Folder = folder;
        Name = name;
        Tokenizer = tokenizer;
        SchedulerConfig = scheduler;
        TextEncoder = textEncoder;
        UNet = unet;
        VaeDecoder = vaeDecoder;
        VaeEncoder = vaeEncoder;
        Embedder = embedder;
        ScalingFactor = scalingFactor;
        VaeScaleFactor = vaeScaleFactor;
        DefaultSize = defaultSize;
        ExecutionProvider = provider;
        HiddenSize = textEncoder.OutputDimensions("last_hidden_state")[^1];
    }

    /// <summary>The absolute model folder.</summary>
    public string Folder { get; }

    /// <summary>Model name (<c>model_index.json</c> "name", else the folder name).</summary>
    public string Name { get; }

    /// <summary>The CLIP tokenizer from <c>tokenizer/</c>.</summary>
    public ClipTokenizer Tokenizer { get; }

    /// <summary>The scheduler configuration from <c>scheduler/scheduler_config.json</c>.</summary>
    public SchedulerConfig SchedulerConfig { get; }

    /// <summary><c>text_encoder/model.onnx</c>.</summary>
    public OnnxComponent TextEncoder { get; }

    /// <summary><c>unet/model.onnx</c>.</summary>
    public OnnxComponent UNet { get; }

    /// <summary><c>vae_decoder/model.onnx</c>.</summary>
    public OnnxComponent VaeDecoder { get; }

    /// <summary><c>vae_encoder/model.onnx</c>, or null when absent or not loaded.</summary>
    public OnnxComponent? VaeEncoder { get; }

    /// <summary>The <c>embedder/</c> dual encoder, or null when absent or not loaded.</summary>
    public EmbedderComponents? Embedder { get; }

    /// <summary>The <c>copy_detector/</c> model, or null when absent or not loaded.</summary>
    public CopyDetectorComponents? CopyDetector { get; }

    /// <summary>VAE latent scaling factor (<c>vae_decoder/config.json</c>, else SD's 0.18215).</summary>
    public float ScalingFactor { get; }

    /// <summary>
    /// Pixels per latent cell, the VAE's downsampling factor: 2^(entries of <c>block_out_channels</c> − 1) in
    /// <c>vae_decoder/config.json</c>, as diffusers computes it, else 8.
    /// </summary>
    public int VaeScaleFactor { get; }

    /// <summary>Default image side in pixels: <c>unet/config.json</c> sample_size × <see cref="VaeScaleFactor"/>, else 512.</summary>
    public int DefaultSize { get; }

    /// <summary>The settings this folder recommends (<c>generation_defaults.json</c>), or null when it declares none.</summary>
    public GenerationDefaults? Defaults { get; private init; }

    /// <summary>Width of the text encoder's hidden states (768 for SD 1.x).</summary>
    public int HiddenSize { get; }

    /// <summary>"CUDA" or "CPU": where the sessions run.</summary>
    public string ExecutionProvider { get; }

    /// <summary>Name, folder and file hashes (hashes computed on first use).</summary>
    public ModelIdentity Identity()
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in Components())
        {
            hashes[Path.GetRelativePath(Folder, c.FilePath).Replace('\\', '/')] = c.Sha256;
        }

        return new ModelIdentity(Name, Folder, hashes);
    }

    private IEnumerable<OnnxComponent> Components()
    {
        yield return TextEncoder;
        yield return UNet;
        yield return VaeDecoder;
        if (VaeEncoder is not null)
        {
            yield return VaeEncoder;
        }

        if (Embedder is not null)
        {
            yield return Embedder.Vision;
            yield return Embedder.Text;
        }

        if (CopyDetector is not null)
        {
            yield return CopyDetector.Model;
        }
    }

    /// <summary>Loads and validates a model folder.</summary>
    /// <param name="folder">The model folder.</param>
    /// <param name="options">Load options; defaults when null.</param>
    /// <returns>The loaded model. Dispose it to release the sessions.</returns>
    /// <exception cref="ModelLoadException">A file is missing or a session's signature is not what the pipeline needs.</exception>
    public static StableDiffusionModel Load(string folder, ModelLoadOptions? options = null)
    {
        options ??= new ModelLoadOptions();
        folder = Path.GetFullPath(folder);
        if (!Directory.Exists(folder))
        {
            throw new ModelLoadException(folder, "model folder not found");
        }

        var sw = Stopwatch.StartNew();
        var index = ReadJson(Path.Combine(folder, "model_index.json"));
        string name = index["name"]?.GetValue<string>() ?? Path.GetFileName(folder);

        ClipTokenizer tokenizer;
        try
        {
            tokenizer = ClipTokenizer.FromFolder(Path.Combine(folder, "tokenizer"));
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException or UnauthorizedAccessException)
        {
            throw new ModelLoadException(Path.Combine(folder, "tokenizer"), ex.Message, ex);
        }

        var defaults = GenerationDefaults.Read(folder);
        var schedulerPath = Path.Combine(folder, "scheduler", "scheduler_config.json");
        SchedulerConfig scheduler;
        try
        {
            scheduler = SchedulerConfig.FromFile(schedulerPath);
        }
        catch (Exception ex) when (ex is IOException or FormatException or InvalidDataException or JsonException)
        {
            throw new ModelLoadException(schedulerPath, ex.Message, ex);
        }

        var vaeConfigPath = Path.Combine(folder, "vae_decoder", "config.json");
        var vaeConfig = ReadJsonOptional(vaeConfigPath);
        float scaling = vaeConfig?["scaling_factor"]?.GetValue<float>() ?? DefaultScalingFactor;
        int vaeScale = ReadVaeScaleFactor(vaeConfig, vaeConfigPath);
        var unetConfig = ReadJsonOptional(Path.Combine(folder, "unet", "config.json"));
        int defaultSize = (unetConfig?["sample_size"]?.GetValue<int>() is int s && s > 0) ? s * vaeScale : 512;

        var (so, provider) = SessionFactory.Create(options);
        var opened = new List<OnnxComponent>();
        OnnxComponent Open(string relative, TensorSpec[] inputs, TensorSpec[] outputs)
        {
            var c = OnnxComponent.Open(Path.Combine(folder, relative), so, inputs, outputs);
            opened.Add(c);
            return c;
        }

        try
        {
            var textEncoder = Open(Path.Combine("text_encoder", "model.onnx"),
                [new("input_ids", TensorSpec.Ids, [2]), new("attention_mask", TensorSpec.Ids, [2], Required: false)],
                [TensorSpec.Float("last_hidden_state", 3), TensorSpec.Float("pooler_output", 2, required: false)]);
            var unet = OpenUNet(Path.Combine(folder, "unet", "model.onnx"), so);
            opened.Add(unet);
            var vaeDecoder = Open(Path.Combine("vae_decoder", "model.onnx"),
                [TensorSpec.Float("latent_sample", 4)], [TensorSpec.Float("sample", 4)]);
            OnnxComponent? vaeEncoder = null;
            if (options.LoadVaeEncoder && File.Exists(Path.Combine(folder, "vae_encoder", "model.onnx")))
            {
                vaeEncoder = Open(Path.Combine("vae_encoder", "model.onnx"),
                    [TensorSpec.Float("sample", 4)], [TensorSpec.Float("latent_sample", 4)]);
            }

            EmbedderComponents? embedder = null;
            var embedderFolder = Path.Combine(folder, "embedder");
            if (options.LoadEmbedder && Directory.Exists(embedderFolder))
            {
                var vision = Open(Path.Combine("embedder", "vision_model.onnx"),
                    [TensorSpec.Float("pixel_values", 4)], [TensorSpec.Float("image_embeds", 2)]);
                var text = Open(Path.Combine("embedder", "text_model.onnx"),
                    [new("input_ids", TensorSpec.Ids, [2]), new("attention_mask", TensorSpec.Ids, [2], Required: false)],
                    [TensorSpec.Float("text_embeds", 2)]);
                var pre = Path.Combine(embedderFolder, "preprocessor_config.json");
                if (!File.Exists(pre))
                {
                    throw new ModelLoadException(pre, "file not found (the embedder needs its preprocessing config)");
                }

                var proj = Path.Combine(embedderFolder, "text_projection.bin");
                embedder = new EmbedderComponents(vision, text, pre, File.Exists(proj) ? proj : null);
            }

            CopyDetectorComponents? copyDetector = null;
            var copyFolder = Path.Combine(folder, "copy_detector");
            if (options.LoadCopyDetector && File.Exists(Path.Combine(copyFolder, "model.onnx")))
            {
                var detector = Open(Path.Combine("copy_detector", "model.onnx"), [TensorSpec.Float("pixel_values", 4)], []);
                var pre = Path.Combine(copyFolder, "preprocessor_config.json");
                var cfg = Path.Combine(copyFolder, "config.json");
                copyDetector = new CopyDetectorComponents(detector, DescriptorOutput(detector), File.Exists(pre) ? pre : null, File.Exists(cfg) ? cfg : null);
            }

            var model = new StableDiffusionModel(folder, name, tokenizer, scheduler, textEncoder, unet, vaeDecoder,
                vaeEncoder, embedder, copyDetector, scaling, vaeScale, defaultSize, provider) { Defaults = defaults };
            options.Logger.LogInformation("Loaded model {Name} from {Folder} in {Ms} ms ({Provider})", name, folder, sw.ElapsedMilliseconds, provider);
            return model;
        }
        catch
        {
            foreach (var c in opened)
            {
                c.Dispose();
            }

            throw;
        }
        finally
        {
            // Sessions keep their own copy of the options.
            so.Dispose();
        }
    }

    /// <summary>Opens a UNet file on its own (used for alternative UNet exports such as test fixtures).</summary>
    /// <param name="path">The UNet .onnx file.</param>
    /// <param name="options">Session options.</param>
    /// <returns>The validated UNet session.</returns>
    public static OnnxComponent OpenUNet(string path, SessionOptions options) =>
        OnnxComponent.Open(path, options,
            [TensorSpec.Float("sample", 4), new("timestep", TensorSpec.Timesteps, [0, 1]), TensorSpec.Float("encoder_hidden_states", 3)],
            [TensorSpec.Float("out_sample", 4)]);

    // The descriptor output: "descriptor" when the graph names one, else its only output (a torchscript SSCD
    // converted to ONNX names it after a graph node); float, rank 2.
    private static string DescriptorOutput(OnnxComponent detector)
    {
        var outputs = detector.Session.OutputMetadata;
        string name = outputs.ContainsKey("descriptor") ? "descriptor"
            : outputs.Count == 1 ? outputs.Keys.First()
            : throw new ModelLoadException(detector.FilePath, $"expected an output named 'descriptor' or a single output (has {string.Join(", ", outputs.Keys)})");
        var meta = outputs[name];
        if (!meta.IsTensor || !TensorSpec.Floats.Contains(meta.ElementDataType) || meta.Dimensions.Length != 2)
        {
            throw new ModelLoadException(detector.FilePath, $"output '{name}' must be a float [batch, dimension] descriptor (has {meta.ElementDataType} [{string.Join(",", meta.Dimensions)}])");
        }

        return name;
    }

    private static int ReadVaeScaleFactor(JsonNode? vaeConfig, string path)
    {
        var channels = vaeConfig?["block_out_channels"];
        if (channels is null)
        {
            return DefaultVaeScaleFactor;
        }

        // diffusers: vae_scale_factor = 2 ** (len(vae.config.block_out_channels) - 1); each block but the last halves the size.
        if (channels is not JsonArray levels || levels.Count is < 1 or > 7)
        {
            throw new ModelLoadException(path, "block_out_channels must be a list of 1 to 7 channel counts (it sets the VAE's downsampling factor)");
        }

        return 1 << (levels.Count - 1);
    }

    private static JsonNode ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelLoadException(path, "file not found");
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) ?? throw new ModelLoadException(path, "empty JSON");
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException(path, $"invalid JSON: {ex.Message}", ex);
        }
    }

    private static JsonNode? ReadJsonOptional(string path) => File.Exists(path) ? ReadJson(path) : null;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var c in Components())
        {
            c.Dispose();
        }
    }
}
