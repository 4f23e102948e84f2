using Microsoft.Extensions.Logging;
using Nudge.Engine.Generation;
using Nudge.Engine.Models;
using Nudge.Indexing;
using Nudge.Indexing.Persistence;
using Nudge.Mitigation.Embedding;
using Nudge.Mitigation.Indices;
using Nudge.Mitigation.Moderation;
using Nudge.Mitigation.Pipeline;

namespace Nudge.Orchestration;

/// <summary>
/// The indices the filters and moderation judge against (undesired, memorized, desired), created from the model's
/// memorized set when missing, and the nudging pipeline and moderator over their current versions (rebuilt when an
/// index changes). Not disposable on purpose, like <see cref="GenerationSlots"/>.
/// </summary>
public sealed class GuardIndices
{
    private readonly StableDiffusionModel _model;
    private readonly DiffusionPipeline _pipeline;
    private readonly ClipEmbedder _embedder;
    private readonly CopyDetector? _copyDetector;
    private readonly ModerationOptions _moderation;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _indexLock = new(1, 1);
    private (ETag Undesired, ETag Desired, ETag Memorized, NudgingPipeline Pipeline)? _cached;

    private readonly record struct ETag(string? Value);

    /// <summary>Creates the guard over a loaded model.</summary>
    /// <param name="model">The model (its memorized set seeds missing indices).</param>
    /// <param name="pipeline">The model's generation pipeline.</param>
    /// <param name="embedder">The model's embedder.</param>
    /// <param name="copyDetector">The model's copy detector, or null.</param>
    /// <param name="indices">The index store.</param>
    /// <param name="policy">Which indices, filters and nudges.</param>
    /// <param name="moderation">Moderation thresholds and limits.</param>
    /// <param name="logger">Where index creation is reported.</param>
    public GuardIndices(StableDiffusionModel model, DiffusionPipeline pipeline, ClipEmbedder embedder, CopyDetector? copyDetector, EmbeddingIndexStore indices,
        NudgePolicy policy, ModerationOptions moderation, ILogger logger)
    {
        _model = model;
        _pipeline = pipeline;
        _embedder = embedder;
        _copyDetector = copyDetector;
        Indices = indices;
        Policy = policy;
        _moderation = moderation;
        _logger = logger;
    }

    /// <summary>The index store.</summary>
    public EmbeddingIndexStore Indices { get; }

    /// <summary>The model the guarded images are made and judged with (named in their records).</summary>
    public StableDiffusionModel Model => _model;

    /// <summary>The nudge policy.</summary>
    public NudgePolicy Policy { get; }

    /// <summary>
    /// The undesired index named by the policy. When it does not exist and the model ships a memorized set, it is
    /// created from that set first (as the CLI does).
    /// </summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The index (possibly empty).</returns>
    public async Task<EmbeddingIndex> LoadUndesiredAsync(CancellationToken cancellationToken = default)
    {
        var index = await Indices.LoadAsync(Policy.UndesiredIndex, cancellationToken: cancellationToken);
        return index.Exists || !MemorizedIndices.Ships(_model) ? index
            : await Locked(() => MemorizedIndices.LoadUndesiredAsync(Indices, Policy.UndesiredIndex, _model, _embedder, LogCreated, cancellationToken), cancellationToken);
    }

    /// <summary>The memorized index of copy descriptors (created from the memorized set when missing), or null without a copy detector.</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The index, or null.</returns>
    public async Task<EmbeddingIndex?> LoadMemorizedAsync(CancellationToken cancellationToken = default)
    {
        if (_copyDetector is null)
        {
            return null;
        }

        var index = await Indices.LoadAsync(Policy.MemorizedIndex, cancellationToken: cancellationToken);
        return index.Exists || !MemorizedIndices.Ships(_model) ? index
            : await Locked(() => MemorizedIndices.LoadMemorizedAsync(Indices, Policy.MemorizedIndex, _model, _copyDetector, LogCreated, cancellationToken), cancellationToken);
    }

    /// <summary>The nudging pipeline over the current undesired, memorized and desired indices (rebuilt when an index changes).</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The pipeline.</returns>
    public async Task<NudgingPipeline> GetNudgingPipelineAsync(CancellationToken cancellationToken = default)
    {
        var undesired = await LoadUndesiredAsync(cancellationToken);
        var memorized = await LoadMemorizedAsync(cancellationToken);
        var desired = await Indices.LoadAsync(Policy.DesiredIndex, cancellationToken: cancellationToken);
        var key = (new ETag(undesired.ETag?.ToString()), new ETag(desired.ETag?.ToString()), new ETag(memorized?.ETag?.ToString()));
        if (_cached is { } c && c.Undesired == key.Item1 && c.Desired == key.Item2 && c.Memorized == key.Item3)
        {
            return c.Pipeline;
        }

        var pipeline = new NudgingPipeline(_pipeline, _embedder, undesired, desired.Exists ? desired : null, Policy, _copyDetector, memorized);
        _cached = (key.Item1, key.Item2, key.Item3, pipeline);
        return pipeline;
    }

    /// <summary>A moderator over the current undesired index.</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The moderator.</returns>
    public async Task<UploadModerator> GetModeratorAsync(CancellationToken cancellationToken = default) =>
        new(_embedder, await LoadUndesiredAsync(cancellationToken), _moderation, _copyDetector, await LoadMemorizedAsync(cancellationToken));

    private void LogCreated(string line) => _logger.LogInformation("{Line}", line);

    // One creator at a time: two activities finding an index missing must not both build it. Loads of an existing
    // index take no lock, so one slow read (storage coming back from an outage) does not hold up the others.
    private async Task<T> Locked<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        await _indexLock.WaitAsync(cancellationToken);
        try
        {
            return await work();
        }
        finally
        {
            _indexLock.Release();
        }
    }
}
