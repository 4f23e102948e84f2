using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Nudge.Engine.Imaging;
using Nudge.Engine.Models;
using Nudge.Engine.Schedulers;
using Nudge.Engine.Tokenization;

namespace Nudge.Engine.Generation;

/// <summary>
/// Text-to-image latent diffusion over a loaded <see cref="StableDiffusionModel"/>, in the order
/// diffusers' OnnxStableDiffusionPipeline uses: encode [negative, prompt], start from seeded noise,
/// run the UNet on [uncond × n, cond × n] in one batched call per step with classifier-free guidance,
/// step the scheduler, decode <c>latents / scaling_factor</c> with the VAE.
/// The parts are public so that the nudging method can restart denoising from a captured step with
/// other conditioning or a modified latent. Thread-safe: each call has its own buffers.
/// </summary>
public sealed class DiffusionPipeline
{
    /// <summary>Images denoised together in one batch at most.</summary>
    public const int MaxBatch = 8;

    /// <summary>Creates a pipeline over a loaded model (the pipeline does not own it).</summary>
    /// <param name="model">The model.</param>
    public DiffusionPipeline(StableDiffusionModel model)
    {
        Model = model;
        var dims = model.UNet.InputDimensions("sample");
        if (dims[1] > 0 && dims[1] != StableDiffusionModel.LatentChannels)
        {
            throw new ModelLoadException(model.UNet.FilePath, $"UNet sample has {dims[1]} channels; this pipeline needs {StableDiffusionModel.LatentChannels}");
        }
    }

    /// <summary>The model.</summary>
    public StableDiffusionModel Model { get; }

    /// <summary>Runs the text encoder on several prompts in one batch.</summary>
    /// <param name="prompts">The prompts.</param>
    /// <param name="runTime">Time inside ONNX Runtime.</param>
    /// <returns>One encoding per prompt.</returns>
    public IReadOnlyList<PromptEncoding> EncodePrompts(IReadOnlyList<string> prompts, out TimeSpan runTime)
    {
        var tok = Model.Tokenizer;
        var tokenized = prompts.Select(tok.Tokenize).ToArray();
        var enc = Model.TextEncoder;
        int d = Model.HiddenSize, len = tok.ModelMaxLength;
        using var ids = IdsTensor.Create(enc.InputType("input_ids"), tokenized.Select(t => t.InputIds).ToArray());
        using var hidden = new ModelTensor(enc.OutputType("last_hidden_state"), [prompts.Count, len, d]);
        var inNames = new List<string> { "input_ids" };
        var inValues = new List<OrtValue> { ids.Value };
        IdsTensor? mask = null;
        if (enc.HasInput("attention_mask"))
        {
            mask = IdsTensor.Create(enc.InputType("attention_mask"), tokenized.Select(t => t.InputIds).ToArray(), onesInstead: true);
            inNames.Add("attention_mask");
            inValues.Add(mask.Value);
        }

        var sw = Stopwatch.StartNew();
        try
        {
            using var ro = new RunOptions();
            enc.Session.Run(ro, inNames, inValues, ["last_hidden_state"], [hidden.Value]);
        }
        finally
        {
            mask?.Dispose();
        }

        runTime = sw.Elapsed;
        hidden.FromModel();
        var result = new PromptEncoding[prompts.Count];
        for (int i = 0; i < prompts.Count; i++)
        {
            var ids_i = tokenized[i].InputIds;
            result[i] = new PromptEncoding(prompts[i], ids_i, hidden.Data.AsSpan(i * len * d, len * d).ToArray(),
                tok.PooledIndex(ids_i), tokenized[i].Truncated);
        }

        return result;
    }

    /// <summary>Encodes one prompt.</summary>
    /// <param name="prompt">The prompt.</param>
    /// <returns>Its encoding.</returns>
    public PromptEncoding EncodePrompt(string prompt) => EncodePrompts([prompt], out _)[0];

    /// <summary>
    /// The request's prompts that are longer than <see cref="GenerationLimits.MaxPromptTokens"/> or than this
    /// model's tokenizer reads: refused rather than cut without a word.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <returns>Field → message; empty when every prompt fits.</returns>
    public IReadOnlyDictionary<string, string> PromptTokenProblems(GenerationRequest request) => PromptTokenProblems(Model.Tokenizer, request);

    /// <summary>The same check with a tokenizer alone, before any ONNX session is created.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="request">The request.</param>
    /// <returns>Field → message; empty when every prompt fits.</returns>
    public static IReadOnlyDictionary<string, string> PromptTokenProblems(ClipTokenizer tokenizer, GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        int limit = Math.Min(GenerationLimits.MaxPromptTokens, tokenizer.ModelMaxLength - 2);
        foreach (var (field, prompt) in new[] { ("prompt", request.Prompt), ("negative_prompt", request.NegativePrompt) })
        {
            int tokens = string.IsNullOrEmpty(prompt) ? 0 : tokenizer.Encode(prompt).Count;
            if (tokens > limit)
            {
                errors[field] = $"{field} is {tokens} tokens; the limit is {limit} (CLIP reads {limit + 2} with BOS and EOS)";
            }
        }

        return errors;
    }

    /// <summary>Creates a scheduler with its timesteps set.</summary>
    /// <param name="config">Scheduler configuration.</param>
    /// <param name="name">Optional class/short name overriding the config's class.</param>
    /// <param name="steps">Inference steps.</param>
    /// <returns>The scheduler.</returns>
    public static IScheduler CreateScheduler(SchedulerConfig config, string? name, int steps)
    {
        var s = SchedulerFactory.Create(config, name);
        s.SetTimesteps(steps);
        return s;
    }

    /// <summary>The initial latents for a batch: each image's stream-0 noise times the initial sigma.</summary>
    /// <param name="seeds">Seeds, one per image.</param>
    /// <param name="latentHeight">Latent height.</param>
    /// <param name="latentWidth">Latent width.</param>
    /// <param name="initNoiseSigma">The scheduler's initial noise sigma.</param>
    /// <returns>[batch × 4 × h × w].</returns>
    public static float[] InitialLatents(IReadOnlyList<long> seeds, int latentHeight, int latentWidth, float initNoiseSigma)
    {
        int per = StableDiffusionModel.LatentChannels * latentHeight * latentWidth;
        var latents = new float[seeds.Count * per];
        for (int i = 0; i < seeds.Count; i++)
        {
            var slice = latents.AsSpan(i * per, per);
            LatentNoise.Fill(seeds[i], 0, slice);
            TensorPrimitives.Multiply(slice, initNoiseSigma, slice);
        }

        return latents;
    }

    /// <summary>Runs the denoising loop from <see cref="DenoiseRequest.StartStep"/> to the end.</summary>
    /// <param name="request">What to denoise.</param>
    /// <param name="progress">Per-step progress, or null.</param>
    /// <param name="cancellationToken">Cancels between steps and aborts a running UNet call.</param>
    /// <returns>Final latents and captures.</returns>
    public DenoiseResult Denoise(DenoiseRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var total = Stopwatch.StartNew();
        int n = request.Conditioning.Count;
        int h = request.LatentHeight, w = request.LatentWidth;
        int per = StableDiffusionModel.LatentChannels * h * w, all = n * per;
        if (n == 0 || request.Seeds.Count != n || request.InitialSample.Length != all)
        {
            throw new ArgumentException($"Batch mismatch: {n} conditionings, {request.Seeds.Count} seeds, {request.InitialSample.Length} latent values (expected {all}).", nameof(request));
        }

        CheckStaticDims(h, w);
        bool cfg = request.GuidanceScale > 1f;
        int batch = cfg ? 2 * n : n;
        var scheduler = CreateScheduler(request.Scheduler, request.SchedulerName, request.Steps);
        int stepsTotal = scheduler.Timesteps.Length;
        if (request.StartStep < 0 || request.StartStep >= stepsTotal)
        {
            throw new ArgumentOutOfRangeException(nameof(request), $"StartStep {request.StartStep} is outside 0..{stepsTotal - 1}.");
        }

        var unet = Model.UNet;
        int len = request.Unconditional.InputIds.Length, d = request.Unconditional.HiddenSize;
        using var sample = new ModelTensor(unet.InputType("sample"), [batch, StableDiffusionModel.LatentChannels, h, w]);
        using var context = new ModelTensor(unet.InputType("encoder_hidden_states"), [batch, len, d]);
        using var timestep = new TimestepTensor(unet.InputType("timestep"), unet.InputDimensions("timestep").Length, batch);
        using var output = new ModelTensor(unet.OutputType("out_sample"), [batch, StableDiffusionModel.LatentChannels, h, w]);
        int ctxPer = len * d;
        for (int i = 0; i < n; i++)
        {
            if (cfg)
            {
                request.Unconditional.HiddenStates.CopyTo(context.Data, i * ctxPer);
            }

            request.Conditioning[i].HiddenStates.CopyTo(context.Data, ((cfg ? n : 0) + i) * ctxPer);
        }

        context.ToModel();

        var latents = (float[])request.InitialSample.Clone();
        var guided = cfg ? new float[all] : null;
        var diff = cfg ? new float[all] : null;
        float[]? noise = null;
        var captures = new Dictionary<int, CapturedStep>();

        // I/O binding: the conditioning and the output buffer are bound once per run. On CUDA, binding copies the
        // conditioning to the device once instead of on every step; per step only the sample goes up and the
        // noise prediction comes back (2 x 128 KB for SD at 512 px), because the scheduler runs on the host.
        using var binding = unet.Session.CreateIoBinding();
        binding.BindInput("encoder_hidden_states", context.Value);
        binding.BindOutput("out_sample", output.Value);
        using var runOptions = new RunOptions();
        using var abort = cancellationToken.Register(() => runOptions.Terminate = true);
        var runTime = TimeSpan.Zero;
        var sw = new Stopwatch();
        int todo = stepsTotal - request.StartStep;

        for (int k = request.StartStep; k < stepsTotal; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var input = sample.Data.AsSpan(0, all);
            scheduler.ScaleModelInput(latents, k, input);
            if (cfg)
            {
                input.CopyTo(sample.Data.AsSpan(all, all));
            }

            sample.ToModel();
            timestep.Set(scheduler.Timesteps[k]);
            sw.Restart();
            try
            {
                binding.BindInput("sample", sample.Value);
                binding.BindInput("timestep", timestep.Value);
                unet.Session.RunWithBinding(runOptions, binding);
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            runTime += sw.Elapsed;
            output.FromModel();

            ReadOnlySpan<float> modelOutput;
            if (cfg)
            {
                var uncond = output.Data.AsSpan(0, all);
                var cond = output.Data.AsSpan(all, all);
                TensorPrimitives.Subtract(cond, uncond, diff);
                TensorPrimitives.MultiplyAdd(diff, request.GuidanceScale, uncond, guided);
                modelOutput = guided;
            }
            else
            {
                modelOutput = output.Data.AsSpan(0, all);
            }

            if (request.CaptureSteps.Contains(k))
            {
                captures[k] = new CapturedStep(k, (float[])latents.Clone(), modelOutput.ToArray());
            }

            ReadOnlySpan<float> stepNoise = default;
            if (scheduler.NeedsNoise(k))
            {
                noise ??= new float[all];
                for (int i = 0; i < n; i++)
                {
                    LatentNoise.Fill(request.Seeds[i], k + 1, noise.AsSpan(i * per, per));
                }

                stepNoise = noise;
            }

            scheduler.Step(modelOutput, k, latents, latents, stepNoise);
            progress?.Report(new GenerationProgress("denoise", k - request.StartStep + 1, todo));
        }

        return new DenoiseResult(latents, captures, stepsTotal, runTime, total.Elapsed);
    }

    /// <summary>Decodes scaled latents to planar images with the VAE decoder.</summary>
    /// <param name="latents">[batch × 4 × h × w], scaled as the UNet sees them.</param>
    /// <param name="batch">Images in the batch.</param>
    /// <param name="latentHeight">Latent height.</param>
    /// <param name="latentWidth">Latent width.</param>
    /// <param name="runTime">Time inside ONNX Runtime.</param>
    /// <returns>[batch × 3 × fh × fw] in about [-1, 1], f the model's VAE factor.</returns>
    public float[] Decode(ReadOnlySpan<float> latents, int batch, int latentHeight, int latentWidth, out TimeSpan runTime)
    {
        var dec = Model.VaeDecoder;
        int f = Model.VaeScaleFactor;
        using var input = new ModelTensor(dec.InputType("latent_sample"), [batch, StableDiffusionModel.LatentChannels, latentHeight, latentWidth]);
        using var output = new ModelTensor(dec.OutputType("sample"), [batch, 3, latentHeight * f, latentWidth * f]);
        TensorPrimitives.Multiply(latents, 1f / Model.ScalingFactor, input.Data);
        input.ToModel();
        var sw = Stopwatch.StartNew();
        using var ro = new RunOptions();
        dec.Session.Run(ro, ["latent_sample"], [input.Value], ["sample"], [output.Value]);
        runTime = sw.Elapsed;
        output.FromModel();
        return output.Data;
    }

    /// <summary>
    /// Fills what <paramref name="request"/> leaves out from this model's declared defaults, else Stable
    /// Diffusion's (<see cref="GenerationRequest.WithDefaults"/>). Every host resolves through here, so the same
    /// request gets the same settings, ids and pixels from the CLI, HTTP and batch.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <returns>The request with every setting known.</returns>
    public GenerationRequest Resolve(GenerationRequest request) => request.WithDefaults(Model.Defaults);

    /// <summary>Generates the request's images.</summary>
    /// <param name="request">What to generate.</param>
    /// <param name="progress">Progress per phase and step, or null.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The images and their settings.</returns>
    /// <exception cref="ArgumentException">The request is invalid; the message names every bad field.</exception>
    public Task<GenerationResult> GenerateAsync(GenerationRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Generate(request, progress, cancellationToken), cancellationToken);

    /// <summary>Generates the request's images on the calling thread.</summary>
    /// <param name="request">What to generate.</param>
    /// <param name="progress">Progress per phase and step, or null.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The images and their settings.</returns>
    public GenerationResult Generate(GenerationRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Generate(request, captureSteps: null, progress, cancellationToken);

    /// <summary>
    /// Generates the request's images and keeps, per image, the sample and model output at the given
    /// step indices (so a later stage can restart from there). Capturing does not change the images.
    /// </summary>
    /// <param name="request">What to generate.</param>
    /// <param name="captureSteps">Step indices to capture, or null.</param>
    /// <param name="progress">Progress per phase and step, or null.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The images and their settings.</returns>
    public GenerationResult Generate(GenerationRequest request, IReadOnlySet<int>? captureSteps, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        request = Resolve(request);
        var errors = request.Validate().Concat(PromptTokenProblems(request)).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid generation request: " + string.Join("; ", errors.Select(e => e.Value)), nameof(request));
        }

        var total = Stopwatch.StartNew();
        int width = request.Width ?? Model.DefaultSize, height = request.Height ?? Model.DefaultSize;
        int f = Model.VaeScaleFactor;
        if (width % f != 0 || height % f != 0)
        {
            throw new ArgumentException($"Invalid generation request: {width}×{height} is not a multiple of this model's VAE factor {f}.", nameof(request));
        }

        int h = height / f, w = width / f;
        progress?.Report(new GenerationProgress("encode", 0, 1));
        var enc = EncodePrompts([request.NegativePrompt, request.Prompt], out var textTime);
        progress?.Report(new GenerationProgress("encode", 1, 1));
        var probe = CreateScheduler(Model.SchedulerConfig, request.Scheduler, request.ResolvedSteps);

        var images = new List<GeneratedImage>(request.Count);
        var unetTime = TimeSpan.Zero;
        var vaeTime = TimeSpan.Zero;
        int per = StableDiffusionModel.LatentChannels * h * w, pixels = 3 * height * width;
        for (int start = 0; start < request.Count; start += MaxBatch)
        {
            int n = Math.Min(MaxBatch, request.Count - start);
            var seeds = Enumerable.Range(start, n).Select(i => request.Seed + i).ToArray();
            var result = Denoise(
                DenoiseFor(request, Enumerable.Repeat(enc[1], n).ToArray(), enc[0], h, w, InitialLatents(seeds, h, w, probe.InitNoiseSigma), seeds) with
                {
                    CaptureSteps = captureSteps ?? new HashSet<int>(),
                },
                progress,
                cancellationToken);
            unetTime += result.UNetRunTime;
            progress?.Report(new GenerationProgress("decode", 0, 1));
            var decoded = Decode(result.Latents, n, h, w, out var decodeTime);
            vaeTime += decodeTime;
            for (int i = 0; i < n; i++)
            {
                var planar = decoded.AsSpan(i * pixels, pixels).ToArray();
                var png = ImageCodec.EncodePng(ImageCodec.ToRgb24(planar, width, height), width, height);
                var captures = result.Captures.ToDictionary(
                    c => c.Key,
                    c => new CapturedStep(c.Key, c.Value.Sample.AsSpan(i * per, per).ToArray(), c.Value.ModelOutput.AsSpan(i * per, per).ToArray()));
                images.Add(new GeneratedImage(start + i, seeds[i], png, planar, result.Latents.AsSpan(i * per, per).ToArray()) { Captures = captures });
            }

            progress?.Report(new GenerationProgress("decode", 1, 1));
        }

        var timings = new GenerationTimings(total.Elapsed, textTime, unetTime, vaeTime);
        return new GenerationResult(request with { Width = width, Height = height }, width, height, probe.Name, images, timings);
    }

    /// <summary>
    /// Restarts denoising of one image from a captured step with a (possibly changed) sample and conditioning,
    /// finishes it, and decodes it: what a nudge round does after it has nudged. Same settings as the first pass.
    /// </summary>
    /// <param name="first">The first pass (its settings, size and scheduler are reused).</param>
    /// <param name="image">The image being restarted (its index and seed are kept).</param>
    /// <param name="startStep">The step index to restart at.</param>
    /// <param name="sample">The sample at <paramref name="startStep"/>.</param>
    /// <param name="conditioning">The conditioning to finish with.</param>
    /// <param name="unconditional">The unconditional (negative prompt) encoding.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The finished image (PNG, pixels, latents).</returns>
    public GeneratedImage Resume(GenerationResult first, GeneratedImage image, int startStep, float[] sample, PromptEncoding conditioning, PromptEncoding unconditional, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(image);
        var req = first.Request;
        int h8 = first.Height / Model.VaeScaleFactor, w8 = first.Width / Model.VaeScaleFactor;
        var result = Denoise(DenoiseFor(req, [conditioning], unconditional, h8, w8, sample, [image.Seed]) with { StartStep = startStep }, null, cancellationToken);
        var pixels = Decode(result.Latents, 1, h8, w8, out _);
        var png = ImageCodec.EncodePng(ImageCodec.ToRgb24(pixels, first.Width, first.Height), first.Width, first.Height);
        return new GeneratedImage(image.Index, image.Seed, png, pixels, result.Latents);
    }

    // A resolved request's denoising settings (guidance, scheduler, steps) for the given conditioning and start sample.
    private DenoiseRequest DenoiseFor(GenerationRequest request, IReadOnlyList<PromptEncoding> conditioning, PromptEncoding unconditional, int h, int w, float[] sample, IReadOnlyList<long> seeds) => new()
    {
        Conditioning = conditioning,
        Unconditional = unconditional,
        GuidanceScale = request.ResolvedGuidanceScale,
        Scheduler = Model.SchedulerConfig,
        SchedulerName = request.Scheduler,
        Steps = request.ResolvedSteps,
        LatentHeight = h,
        LatentWidth = w,
        InitialSample = sample,
        Seeds = seeds,
    };

    private void CheckStaticDims(int h, int w)
    {
        var dims = Model.UNet.InputDimensions("sample");
        if ((dims[2] > 0 && dims[2] != h) || (dims[3] > 0 && dims[3] != w))
        {
            throw new ArgumentException($"{Model.UNet.FilePath} has a fixed latent size {dims[2]}×{dims[3]}; requested {h}×{w} (pixels / {Model.VaeScaleFactor}).");
        }
    }
}
