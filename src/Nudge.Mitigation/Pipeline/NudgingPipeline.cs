using System.Diagnostics;
using System.Numerics.Tensors;
using Nudge.Engine.Generation;
using Nudge.Engine.Imaging;
using Nudge.Engine.Models;
using Nudge.Indexing;
using Nudge.Mitigation.Embedding;
using Nudge.Mitigation.Filters;
using Nudge.Mitigation.Nudging;

namespace Nudge.Mitigation.Pipeline;

/// <summary>
/// The conditional pipeline: generate → filters → (only if a nudge-action filter fired) nudge → restart
/// denoising from an earlier step → filters → … up to the policy's rounds. The first round restarts
/// late with a gentle nudge; each further round restarts earlier and pushes harder. Clean images pay
/// only for the filters and are byte-identical to a run without nudging. The steps are public so that
/// the Durable orchestration and the CLI drive the same code.
/// </summary>
public sealed class NudgingPipeline
{
    private readonly DiffusionPipeline _pipeline;
    private readonly ClipEmbedder _embedder;
    private readonly EmbeddingIndex _undesired;
    private readonly EmbeddingIndex? _desired;
    private readonly Dictionary<string, IndexEntry> _undesiredById;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="pipeline">The generation pipeline.</param>
    /// <param name="embedder">The embedder.</param>
    /// <param name="undesired">The undesired index.</param>
    /// <param name="desired">The desired index, or null.</param>
    /// <param name="policy">Filters, thresholds and nudge settings.</param>
    public NudgingPipeline(DiffusionPipeline pipeline, ClipEmbedder embedder, EmbeddingIndex undesired, EmbeddingIndex? desired, NudgePolicy policy)
    {
        var errors = policy.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid policy: " + string.Join("; ", errors.Values), nameof(policy));
        }

        if (undesired.Count > 0 && undesired.Dimension != embedder.Dimension)
        {
            throw new ArgumentException($"The undesired index has dimension {undesired.Dimension}; the embedder produces {embedder.Dimension}.", nameof(undesired));
        }

        _pipeline = pipeline;
        _embedder = embedder;
        _undesired = undesired;
        _desired = desired;
        Policy = policy;
        _undesiredById = undesired.Entries.ToDictionary(e => e.Id);
        Chain = new FilterChain([.. policy.Filters.Select(CreateFilter)]);
    }

    /// <summary>The policy.</summary>
    public NudgePolicy Policy { get; }

    /// <summary>The filter chain built from the policy.</summary>
    public FilterChain Chain { get; }

    /// <summary>Generates, filters and nudges.</summary>
    /// <param name="request">What to generate.</param>
    /// <param name="progress">Progress, or null.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>Every image's outcome and report.</returns>
    public Task<GuardedResult> GenerateAsync(GenerationRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Generate(request, progress, cancellationToken), cancellationToken);

    /// <summary>Generates, filters and nudges on the calling thread.</summary>
    /// <param name="request">What to generate.</param>
    /// <param name="progress">Progress, or null.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>Every image's outcome and report.</returns>
    public GuardedResult Generate(GenerationRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var promptReport = FilterPrompt(request.Prompt);
        var first = GenerateFirstPass(request, progress, cancellationToken);
        double share = first.Timings.Total.TotalMilliseconds / first.Images.Count;
        var images = new List<GuardedImage>();
        foreach (var image in first.Images)
        {
            cancellationToken.ThrowIfCancellationRequested();
            images.Add(Resolve(first, image, share, cancellationToken));
        }

        return new GuardedResult(first, promptReport, images, Policy);
    }

    /// <summary>Step 1: the prompt-stage filters.</summary>
    /// <param name="prompt">The prompt.</param>
    /// <returns>The report.</returns>
    public FilterReport FilterPrompt(string prompt) => Chain.Run(new FilterInput(_embedder, prompt, promptEmbedding: PromptEmbedding(prompt)), FilterStage.Prompt);

    // The prompt's text embedding is used by the prompt stage, the relevance filter and the conditioning
    // nudge; computing it once per prompt keeps the filters' cost on clean images down.
    // A reference swapped atomically, so concurrent callers never pair one prompt with another's embedding.
    private CachedPrompt? _lastPrompt;

    private float[] PromptEmbedding(string prompt)
    {
        var last = Volatile.Read(ref _lastPrompt);
        if (last is not null && last.Prompt == prompt)
        {
            return last.Embedding;
        }

        var e = _embedder.EmbedTexts([prompt])[0];
        Volatile.Write(ref _lastPrompt, new CachedPrompt(prompt, e));
        return e;
    }

    private sealed record CachedPrompt(string Prompt, float[] Embedding);

    /// <summary>Step 2: the ordinary generation, capturing the states every nudge round may restart from.</summary>
    /// <param name="request">What to generate.</param>
    /// <param name="progress">Progress, or null.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The unmodified images with their captures.</returns>
    public GenerationResult GenerateFirstPass(GenerationRequest request, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var captures = new HashSet<int>();
        if (Policy.NudgeEnabled)
        {
            int t = DiffusionPipeline.CreateScheduler(_pipeline.Model.SchedulerConfig, request.Scheduler, request.Steps).Timesteps.Length;
            for (int r = 0; r < Policy.Nudge.MaxRounds; r++)
            {
                captures.Add(Policy.Nudge.RestartStep(r, t));
            }
        }

        return _pipeline.Generate(request, captures, progress, cancellationToken);
    }

    /// <summary>Step 3: the image-stage filters on one image.</summary>
    /// <param name="prompt">The prompt.</param>
    /// <param name="image">The image.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <returns>The report.</returns>
    public FilterReport FilterImage(string prompt, GeneratedImage image, int width, int height)
    {
        var rgb = new RgbImage(ImageCodec.ToRgb24(image.Pixels, width, height), width, height);
        return Chain.Run(new FilterInput(_embedder, prompt, rgb, image.Pixels, PromptEmbedding(prompt)), FilterStage.Image);
    }

    /// <summary>Step 4: one nudge round — nudge, restart from the round's step, decode, filter.</summary>
    /// <param name="first">The first pass.</param>
    /// <param name="image">The unmodified image (with its captures).</param>
    /// <param name="round">0-based round.</param>
    /// <param name="matches">Undesired entries to push away from.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The regenerated image and the round's report.</returns>
    public (GeneratedImage Image, NudgeRoundReport Report) NudgeRound(GenerationResult first, GeneratedImage image, int round, IReadOnlyList<string> matches, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        var req = first.Request;
        var model = _pipeline.Model;
        var scheduler = DiffusionPipeline.CreateScheduler(model.SchedulerConfig, req.Scheduler, req.Steps);
        int k = Policy.Nudge.RestartStep(round, scheduler.Timesteps.Length);
        var options = Policy.Nudge.ForRound(round);
        var capture = image.Captures.TryGetValue(k, out var c) ? c : throw new InvalidOperationException($"Step {k} was not captured in the first pass.");
        var enc = _pipeline.EncodePrompts([req.NegativePrompt, req.Prompt], out _);
        var entries = matches.Select(id => _undesiredById[id]).ToArray();

        float[] sample = capture.Sample;
        NudgeSummary? latentSummary = null, condSummary = null;
        if (options.Spaces.HasFlag(NudgeSpaces.Latent))
        {
            var targets = entries.Where(e => e.Latent is { } l && l.Length == sample.Length).Select(e => Unit(e.Latent!)).ToArray();
            if (targets.Length > 0)
            {
                var x0 = new float[sample.Length];
                var eps = new float[sample.Length];
                scheduler.PredictOriginalSample(capture.ModelOutput, k, capture.Sample, x0);
                scheduler.PredictNoise(capture.ModelOutput, k, capture.Sample, eps);
                var objective = new NudgeObjective(NormalizedLinearMap.Identity(x0.Length), x0, [], targets, options.Alpha, options.Beta, options.Lambda, options.Proximity);
                var outcome = EmbeddingNudger.Minimize(objective, options);
                sample = new float[x0.Length];
                scheduler.AddNoiseAt(outcome.Representation, eps, k, sample);
                latentSummary = NudgeSummary.From(outcome);
            }
        }

        var cond = enc[1];
        if (options.Spaces.HasFlag(NudgeSpaces.Conditioning) && _embedder.Projection is { } projection)
        {
            var targets = entries.Where(e => e.Kind == IndexEntryKind.Image).Select(e => e.Embedding).ToArray();
            if (targets.Length > 0)
            {
                int d = cond.HiddenSize, p = cond.PooledIndex;
                var h = cond.HiddenStates.AsSpan(p * d, d).ToArray();
                var desired = new List<float[]> { PromptEmbedding(req.Prompt) };
                if (_desired is not null)
                {
                    desired.AddRange(_desired.Entries.Where(e => e.Kind == IndexEntryKind.Text).Select(e => e.Embedding));
                }

                var objective = new NudgeObjective(NormalizedLinearMap.Projected(projection), h, desired, targets, options.Alpha, options.Beta, options.Lambda, options.Proximity);
                var outcome = EmbeddingNudger.Minimize(objective, options);
                // The causal text encoder's states from the end-of-text token on all summarize the prompt;
                // the pooled row's change is applied to them, or to every token's state (policy).
                var delta = new float[d];
                TensorPrimitives.Subtract(outcome.Representation, h, delta);
                var hidden = (float[])cond.HiddenStates.Clone();
                int firstRow = options.ConditioningScope == ConditioningScope.FromPooled ? p : 1;
                for (int row = firstRow; row < cond.InputIds.Length; row++)
                {
                    var span = hidden.AsSpan(row * d, d);
                    TensorPrimitives.Add(span, delta, span);
                }

                cond = cond.WithHiddenStates(hidden);
                condSummary = NudgeSummary.From(outcome);
            }
        }

        int h8 = first.Height / model.VaeScaleFactor, w8 = first.Width / model.VaeScaleFactor;
        var result = _pipeline.Denoise(new DenoiseRequest
        {
            Conditioning = [cond],
            Unconditional = enc[0],
            GuidanceScale = req.GuidanceScale,
            Scheduler = model.SchedulerConfig,
            SchedulerName = req.Scheduler,
            Steps = req.Steps,
            LatentHeight = h8,
            LatentWidth = w8,
            InitialSample = sample,
            StartStep = k,
            Seeds = [image.Seed],
        }, null, cancellationToken);
        var pixels = _pipeline.Decode(result.Latents, 1, h8, w8, out _);
        var png = ImageCodec.EncodePng(ImageCodec.ToRgb24(pixels, first.Width, first.Height), first.Width, first.Height);
        var nudged = new GeneratedImage(image.Index, image.Seed, png, pixels, result.Latents);
        var report = FilterImage(req.Prompt, nudged, first.Width, first.Height);
        var spaces = (latentSummary is null ? NudgeSpaces.None : NudgeSpaces.Latent) | (condSummary is null ? NudgeSpaces.None : NudgeSpaces.Conditioning);
        return (nudged, new NudgeRoundReport(round, k, spaces, options.Beta, options.Lambda, matches, latentSummary, condSummary, report, sw.Elapsed.TotalMilliseconds));
    }

    private GuardedImage Resolve(GenerationResult first, GeneratedImage image, double share, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        var initial = FilterImage(first.Request.Prompt, image, first.Width, first.Height);
        if (!initial.NeedsNudge)
        {
            return new GuardedImage(ImageOutcome.Clean, image, image, initial, [], share + sw.Elapsed.TotalMilliseconds);
        }

        if (!Policy.NudgeEnabled)
        {
            return new GuardedImage(ImageOutcome.Blocked, null, image, initial, [], share + sw.Elapsed.TotalMilliseconds);
        }

        var matched = new List<string>(initial.UndesiredMatches.Select(m => m.EntryId).Distinct());
        var rounds = new List<NudgeRoundReport>();
        GeneratedImage current = image;
        for (int r = 0; r < Policy.Nudge.MaxRounds; r++)
        {
            var (next, report) = NudgeRound(first, image, r, matched, cancellationToken);
            rounds.Add(report);
            current = next;
            if (!report.Filters.NeedsNudge)
            {
                return new GuardedImage(ImageOutcome.Nudged, current, image, initial, rounds, share + sw.Elapsed.TotalMilliseconds);
            }

            foreach (var id in report.Filters.UndesiredMatches.Select(m => m.EntryId))
            {
                if (!matched.Contains(id))
                {
                    matched.Add(id);
                }
            }
        }

        return Policy.BlockUnresolved
            ? new GuardedImage(ImageOutcome.Blocked, null, image, initial, rounds, share + sw.Elapsed.TotalMilliseconds)
            : new GuardedImage(ImageOutcome.Unresolved, current, image, initial, rounds, share + sw.Elapsed.TotalMilliseconds);
    }

    private IGenerationFilter CreateFilter(string name) => name switch
    {
        "prompt" => IndexSimilarityFilter.PromptPrecheck(_undesired, Policy.PromptThreshold),
        "degenerate" => new DegenerateImageFilter(),
        "undesired" => IndexSimilarityFilter.Undesired(_undesired, Policy.UndesiredThreshold),
        "relevance" => new RelevanceFilter(Policy.RelevanceFloor),
        _ => throw new ArgumentException($"Unknown filter '{name}'."),
    };

    private static float[] Unit(float[] v)
    {
        var u = (float[])v.Clone();
        float n = TensorPrimitives.Norm(u);
        TensorPrimitives.Divide(u, n > 0 ? n : 1f, u);
        return u;
    }
}
