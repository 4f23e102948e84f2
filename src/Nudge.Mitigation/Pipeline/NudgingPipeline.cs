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
    private readonly CopyDetector? _copyDetector;
    private readonly EmbeddingIndex? _memorized;
    private readonly Dictionary<string, IndexEntry> _entriesById;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="pipeline">The generation pipeline.</param>
    /// <param name="embedder">The embedder.</param>
    /// <param name="undesired">The undesired index.</param>
    /// <param name="desired">The desired index, or null.</param>
    /// <param name="policy">Filters, thresholds and nudge settings.</param>
    /// <param name="copyDetector">The model's copy detector, or null when it has none (the memorization check then falls to the embedder's undesired filter).</param>
    /// <param name="memorized">The memorized set indexed by copy descriptors, or null.</param>
    public NudgingPipeline(DiffusionPipeline pipeline, ClipEmbedder embedder, EmbeddingIndex undesired, EmbeddingIndex? desired, NudgePolicy policy,
        CopyDetector? copyDetector = null, EmbeddingIndex? memorized = null)
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

        if (copyDetector is not null && memorized is { Count: > 0 } && memorized.Dimension != copyDetector.Dimension)
        {
            throw new ArgumentException($"The memorized index has dimension {memorized.Dimension}; the copy detector produces {copyDetector.Dimension}.", nameof(memorized));
        }

        _pipeline = pipeline;
        _embedder = embedder;
        _undesired = undesired;
        _desired = desired;
        _copyDetector = copyDetector;
        _memorized = copyDetector is null ? null : memorized;
        Policy = policy;
        // Push targets come from the entries the firing filter matched; ids are looked up in that filter's index.
        _entriesById = new Dictionary<string, IndexEntry>(StringComparer.Ordinal);
        foreach (var e in (_memorized?.Entries ?? []).Concat(undesired.Entries))
        {
            _entriesById.TryAdd(e.Id, e);
        }

        Chain = new FilterChain([.. policy.Filters.Select(CreateFilter).OfType<IGenerationFilter>()]);
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
        request = _pipeline.Resolve(request);
        var captures = new HashSet<int>();
        if (Policy.NudgeEnabled)
        {
            int t = DiffusionPipeline.CreateScheduler(_pipeline.Model.SchedulerConfig, request.Scheduler, request.ResolvedSteps).Timesteps.Length;
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
        return Chain.Run(new FilterInput(_embedder, prompt, rgb, image.Pixels, PromptEmbedding(prompt), _copyDetector), FilterStage.Image);
    }

    /// <summary>Step 4: one nudge round — nudge, restart from the round's step, decode, filter.</summary>
    /// <param name="first">The first pass.</param>
    /// <param name="image">The unmodified image (with its captures).</param>
    /// <param name="round">0-based round.</param>
    /// <param name="matches">Entries the firing filters matched: the push targets.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The regenerated image and the round's report.</returns>
    public (GeneratedImage Image, NudgeRoundReport Report) NudgeRound(GenerationResult first, GeneratedImage image, int round, IReadOnlyList<string> matches, CancellationToken cancellationToken = default)
    {
        var nudged = Nudge(first, image, round, matches, cancellationToken);
        var sw = Stopwatch.StartNew();
        var report = FilterImage(first.Request.Prompt, nudged.Image, first.Width, first.Height);
        return (nudged.Image, nudged.WithFilters(report, sw.Elapsed.TotalMilliseconds));
    }

    /// <summary>Step 4a: a nudge round without its filters — nudge, restart from the round's step, decode.</summary>
    /// <param name="first">The first pass.</param>
    /// <param name="image">The unmodified image (with its captures).</param>
    /// <param name="round">0-based round.</param>
    /// <param name="matches">Entries the firing filters matched: the push targets.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The regenerated image with what the nudge did.</returns>
    public NudgedImage Nudge(GenerationResult first, GeneratedImage image, int round, IReadOnlyList<string> matches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(image);
        var sw = Stopwatch.StartNew();
        var req = first.Request;
        var model = _pipeline.Model;
        var scheduler = DiffusionPipeline.CreateScheduler(model.SchedulerConfig, req.Scheduler, req.ResolvedSteps);
        int k = Policy.Nudge.RestartStep(round, scheduler.Timesteps.Length);
        var options = Policy.Nudge.ForRound(round);
        var capture = image.Captures.TryGetValue(k, out var c) ? c : throw new InvalidOperationException($"Step {k} was not captured in the first pass.");
        var enc = _pipeline.EncodePrompts([req.NegativePrompt, req.Prompt], out _);
        var entries = matches.Select(id => _entriesById.TryGetValue(id, out var e) ? e
            : throw new ArgumentException($"Entry '{id}' that a filter matched is no longer in the undesired or memorized index.", nameof(matches))).ToArray();

        float[] sample = capture.Sample;
        NudgeSummary? latentSummary = null, condSummary = null, sequenceSummary = null;
        if (options.Spaces.HasFlag(NudgeSpaces.Latent))
        {
            (sample, latentSummary) = NudgeLatent(scheduler, capture, k, entries, options);
        }

        var cond = enc[1];
        string? released = null;
        if (options.Spaces.HasFlag(NudgeSpaces.Sequence))
        {
            (cond, sequenceSummary, released) = NudgeSequence(cond, entries, options);
        }

        // The sequence space needs trigger words to release; for entries without them (concept entries of the undesired
        // index, a memorized set that names none) the pooled space does the work instead.
        bool nothingReleased = released is null || released == req.Prompt;
        if (options.Spaces.HasFlag(NudgeSpaces.Conditioning) || (options.Spaces.HasFlag(NudgeSpaces.Sequence) && nothingReleased))
        {
            (cond, condSummary) = NudgePooled(cond, req.Prompt, entries, options);
        }

        var nudged = _pipeline.Resume(first, image, k, sample, cond, enc[0], cancellationToken);
        var spaces = (latentSummary is null ? NudgeSpaces.None : NudgeSpaces.Latent) | (condSummary is null ? NudgeSpaces.None : NudgeSpaces.Conditioning)
            | (sequenceSummary is null ? NudgeSpaces.None : NudgeSpaces.Sequence);
        return new NudgedImage(nudged, round, k, spaces, options.Beta, options.Lambda, matches, latentSummary, condSummary, sequenceSummary, released,
            sequenceSummary is null ? null : options.EscapeFraction, sw.Elapsed.TotalMilliseconds);
    }

    // Latent space: L = x̂0 at the restart step, U = the matched entries' VAE latents; the nudged x̂0 is recombined
    // with the predicted noise.
    private static (float[] Sample, NudgeSummary? Summary) NudgeLatent(Engine.Schedulers.IScheduler scheduler, CapturedStep capture, int k, IndexEntry[] entries, NudgeOptions options)
    {
        var targets = entries.Where(e => e.Latent is { } l && l.Length == capture.Sample.Length).Select(e => Unit(e.Latent!)).ToArray();
        if (targets.Length == 0)
        {
            return (capture.Sample, null);
        }

        var x0 = new float[capture.Sample.Length];
        var eps = new float[capture.Sample.Length];
        scheduler.PredictOriginalSample(capture.ModelOutput, k, capture.Sample, x0);
        scheduler.PredictNoise(capture.ModelOutput, k, capture.Sample, eps);
        var objective = new NudgeObjective(NormalizedLinearMap.Identity(x0.Length), x0, [], targets, options.Alpha, options.Beta, options.Lambda, options.Proximity);
        var outcome = EmbeddingNudger.Minimize(objective, options);
        var sample = new float[x0.Length];
        scheduler.AddNoiseAt(outcome.Representation, eps, k, sample);
        return (sample, NudgeSummary.From(outcome));
    }

    // Sequence space: L = every token state of the conditioning, g(L) = L/‖L‖. U = the matched entries' captions as
    // the text encoder states them; D = the prompt with the entries' trigger words released. The push goal lies the
    // escape fraction of the way from U's similarity 1 down to D's similarity, so the margin below the memorized
    // caption is set relative to where the released prompt sits.
    private (PromptEncoding Conditioning, NudgeSummary? Summary, string? Released) NudgeSequence(PromptEncoding cond, IndexEntry[] entries, NudgeOptions options)
    {
        var captions = entries.Select(e => e.Caption).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        if (captions.Length == 0)
        {
            return (cond, null, null);
        }

        string released = TriggerRelease.Apply(cond.Prompt, entries.SelectMany(e => e.TriggerWords));
        var encs = _pipeline.EncodePrompts([released, .. captions], out _);
        var desired = Unit(encs[0].HiddenStates);
        var undesired = encs.Skip(1).Select(e => Unit(e.HiddenStates)).ToArray();
        float start = undesired.Max(u => TensorPrimitives.Dot(u, desired));
        float goal = start + ((1f - start) * (1f - options.EscapeFraction));
        var objective = new NudgeObjective(NormalizedLinearMap.Identity(cond.HiddenStates.Length), cond.HiddenStates, [desired], undesired,
            options.Alpha, options.Beta, options.Lambda, options.Proximity);
        var outcome = EmbeddingNudger.Minimize(objective, options with { PushTarget = goal, MinimumPushDrop = 0f });
        return (cond.WithHiddenStates(outcome.Representation), NudgeSummary.From(outcome), released);
    }

    // Pooled space: L = the encoder state at the pooled position, mapped into the joint space by the text projection.
    // U: image embeddings of matched embedder-index entries, or the caption's text embedding for copy-index entries
    // (their own vectors are copy descriptors, another space). The change is applied from the pooled row on, or to
    // every row (policy).
    private (PromptEncoding Conditioning, NudgeSummary? Summary) NudgePooled(PromptEncoding cond, string prompt, IndexEntry[] entries, NudgeOptions options)
    {
        if (_embedder.Projection is not { } projection)
        {
            return (cond, null);
        }

        var targets = new List<float[]>();
        foreach (var e in entries.Where(e => e.Kind == IndexEntryKind.Image))
        {
            if (e.Embedding.Length == _embedder.Dimension && _undesired.Contains(e.Id))
            {
                targets.Add(e.Embedding);
            }
            else if (e.Caption is { } caption)
            {
                targets.Add(_embedder.EmbedTexts([caption])[0]);
            }
        }

        if (targets.Count == 0)
        {
            return (cond, null);
        }

        int d = cond.HiddenSize, p = cond.PooledIndex;
        var h = cond.HiddenStates.AsSpan(p * d, d).ToArray();
        var desired = new List<float[]> { PromptEmbedding(prompt) };
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

        return (cond.WithHiddenStates(hidden), NudgeSummary.From(outcome));
    }

    private GuardedImage Resolve(GenerationResult first, GeneratedImage image, double share, CancellationToken cancellationToken)
    {
        var sw = Stopwatch.StartNew();
        var initial = FilterImage(first.Request.Prompt, image, first.Width, first.Height);
        var decision = NudgeDecision.After(Policy, initial, 0, []);
        var rounds = new List<NudgeRoundReport>();
        GeneratedImage? current = null;
        while (decision.NextRound is int r)
        {
            var (next, report) = NudgeRound(first, image, r, decision.Matched, cancellationToken);
            rounds.Add(report);
            current = next;
            decision = NudgeDecision.After(Policy, report.Filters, rounds.Count, decision.Matched);
        }

        return decision.Finish(image, initial, rounds, current, share + sw.Elapsed.TotalMilliseconds);
    }

    // "memorized" needs the copy detector and its index; without them it is left out and the embedder's undesired
    // filter, whose index then holds the memorized images (MemorizedSet.ToEntries), is the memorization check.
    private IGenerationFilter? CreateFilter(string name) => name switch
    {
        "prompt" => IndexSimilarityFilter.PromptPrecheck(_undesired, Policy.PromptThreshold),
        "degenerate" => new DegenerateImageFilter(),
        "memorized" => _copyDetector is null || _memorized is null ? null
            : IndexSimilarityFilter.Memorized(_memorized, Policy.MemorizedThreshold ?? _copyDetector.Threshold),
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
