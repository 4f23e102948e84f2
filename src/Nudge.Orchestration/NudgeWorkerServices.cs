using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nudge.Engine.Generation;
using Nudge.Engine.Models;
using Nudge.Indexing;
using Nudge.Indexing.Persistence;
using Nudge.Mitigation.Embedding;
using Nudge.Mitigation.Indices;
using Nudge.Mitigation.Moderation;
using Nudge.Mitigation.Pipeline;
using Nudge.Storage;

namespace Nudge.Orchestration;

/// <summary>
/// The per-process state every activity shares: the model (loaded once), the generation pipeline, the embedder,
/// the object store and the index store. Register it as a singleton. Generation runs are serialized
/// (<see cref="MaxConcurrentGenerations"/>) so that concurrent activities do not oversubscribe the device.
/// </summary>
public sealed class NudgeWorkerServices : IDisposable
{
    private readonly SemaphoreSlim _generationSlots;
    private readonly SemaphoreSlim _indexLock = new(1, 1);
    private readonly ILogger _logger;
    private readonly bool _ownsModel;
    private (ETag Undesired, ETag Desired, ETag Memorized, NudgingPipeline Pipeline)? _cached;

    private readonly record struct ETag(string? Value);

    /// <summary>Creates the services around an already loaded model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="store">Where inputs and outputs live.</param>
    /// <param name="policy">The nudge policy (default: <see cref="NudgePolicy"/> defaults).</param>
    /// <param name="moderation">Moderation thresholds and limits (default: <see cref="ModerationOptions"/> defaults).</param>
    /// <param name="maxConcurrentGenerations">Generation runs allowed at once (default 1).</param>
    /// <param name="ownsModel">Whether <see cref="Dispose"/> disposes the model.</param>
    /// <param name="logger">A logger, or null.</param>
    public NudgeWorkerServices(StableDiffusionModel model, IObjectStore store, NudgePolicy? policy = null, ModerationOptions? moderation = null,
        int maxConcurrentGenerations = 1, bool ownsModel = false, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentGenerations, 1);
        Model = model;
        Store = store;
        Policy = policy ?? new NudgePolicy();
        Moderation = moderation ?? new ModerationOptions();
        MaxConcurrentGenerations = maxConcurrentGenerations;
        _generationSlots = new SemaphoreSlim(maxConcurrentGenerations, maxConcurrentGenerations);
        _ownsModel = ownsModel;
        _logger = logger ?? NullLogger.Instance;
        Pipeline = new DiffusionPipeline(model);
        Embedder = new ClipEmbedder(model);
        CopyDetector = model.CopyDetector is null ? null : new CopyDetector(model);
        Indices = new EmbeddingIndexStore(store);
    }

    /// <summary>Loads the model from a folder and creates the services (the usual start-up path of a host).</summary>
    /// <param name="modelFolder">The model folder.</param>
    /// <param name="loadOptions">Execution provider and logging.</param>
    /// <param name="store">Where inputs and outputs live.</param>
    /// <param name="policy">The nudge policy, or null for defaults.</param>
    /// <param name="moderation">Moderation options, or null for defaults.</param>
    /// <param name="logger">A logger, or null.</param>
    /// <returns>The services; they own (and dispose) the model.</returns>
    public static NudgeWorkerServices Load(string modelFolder, ModelLoadOptions loadOptions, IObjectStore store, NudgePolicy? policy = null, ModerationOptions? moderation = null, ILogger? logger = null)
    {
        var model = StableDiffusionModel.Load(modelFolder, loadOptions);
        try
        {
            return new NudgeWorkerServices(model, store, policy, moderation, ownsModel: true, logger: logger);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The model.</summary>
    public StableDiffusionModel Model { get; }

    /// <summary>The generation pipeline.</summary>
    public DiffusionPipeline Pipeline { get; }

    /// <summary>The embedder of the filters and moderation.</summary>
    public ClipEmbedder Embedder { get; }

    /// <summary>The copy detector of the memorization filter, or null when the model has none.</summary>
    public CopyDetector? CopyDetector { get; }

    /// <summary>The object store.</summary>
    public IObjectStore Store { get; }

    /// <summary>The index store (container <c>indices</c> of <see cref="Store"/>).</summary>
    public EmbeddingIndexStore Indices { get; }

    /// <summary>The nudge policy.</summary>
    public NudgePolicy Policy { get; }

    /// <summary>Moderation thresholds and limits.</summary>
    public ModerationOptions Moderation { get; }

    /// <summary>Generation runs allowed at once.</summary>
    public int MaxConcurrentGenerations { get; }

    /// <summary>Where the activities say what they did (informational: which step ran, or was found done).</summary>
    public ILogger Logger => _logger;

    /// <summary>Runs one tiny generation so that the first real request does not pay for session warm-up.</summary>
    /// <param name="cancellationToken">Cancels the warm-up.</param>
    /// <returns>How long it took.</returns>
    public async Task<TimeSpan> WarmUpAsync(CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        await RunGenerationAsync(() => Pipeline.Generate(new GenerationRequest { Prompt = "warm-up", Steps = 1, Count = 1 }, null, null, cancellationToken), cancellationToken);
        _ = Embedder.EmbedTexts(["warm-up"]);
        _logger.LogInformation("Model {Model} warmed up on {Provider} in {Ms:F0} ms", Model.Name, Model.ExecutionProvider, sw.Elapsed.TotalMilliseconds);
        return sw.Elapsed;
    }

    /// <summary>
    /// The undesired index named by the policy. When it does not exist and the model ships a memorized set, it is
    /// created from that set first (as the CLI does).
    /// </summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The index (possibly empty).</returns>
    public async Task<EmbeddingIndex> LoadUndesiredAsync(CancellationToken cancellationToken = default)
    {
        var index = await Indices.LoadAsync(Policy.UndesiredIndex, cancellationToken: cancellationToken);
        return index.Exists || !MemorizedIndices.Ships(Model) ? index
            : await Locked(() => MemorizedIndices.LoadUndesiredAsync(Indices, Policy.UndesiredIndex, Model, Embedder, LogCreated, cancellationToken), cancellationToken);
    }

    /// <summary>The memorized index of copy descriptors (created from the memorized set when missing), or null without a copy detector.</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The index, or null.</returns>
    public async Task<EmbeddingIndex?> LoadMemorizedAsync(CancellationToken cancellationToken = default)
    {
        if (CopyDetector is null)
        {
            return null;
        }

        var index = await Indices.LoadAsync(Policy.MemorizedIndex, cancellationToken: cancellationToken);
        return index.Exists || !MemorizedIndices.Ships(Model) ? index
            : await Locked(() => MemorizedIndices.LoadMemorizedAsync(Indices, Policy.MemorizedIndex, Model, CopyDetector, LogCreated, cancellationToken), cancellationToken);
    }

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

        var pipeline = new NudgingPipeline(Pipeline, Embedder, undesired, desired.Exists ? desired : null, Policy, CopyDetector, memorized);
        _cached = (key.Item1, key.Item2, key.Item3, pipeline);
        return pipeline;
    }

    /// <summary>A moderator over the current undesired index.</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The moderator.</returns>
    public async Task<UploadModerator> GetModeratorAsync(CancellationToken cancellationToken = default) =>
        new(Embedder, await LoadUndesiredAsync(cancellationToken), Moderation, CopyDetector, await LoadMemorizedAsync(cancellationToken));

    /// <summary>Runs CPU/GPU-heavy work on the thread pool, at most <see cref="MaxConcurrentGenerations"/> at a time.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="work">The work.</param>
    /// <param name="cancellationToken">Cancels waiting for a slot.</param>
    /// <returns>The result.</returns>
    public async Task<T> RunGenerationAsync<T>(Func<T> work, CancellationToken cancellationToken = default) =>
        (await RunGenerationTimedAsync(work, cancellationToken)).Result;

    /// <summary>As <see cref="RunGenerationAsync{T}"/>, also saying how long it waited for a slot.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="work">The work.</param>
    /// <param name="cancellationToken">Cancels waiting for a slot.</param>
    /// <returns>The result and the time spent waiting for a slot (not working).</returns>
    public async Task<(T Result, TimeSpan Waited)> RunGenerationTimedAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        await _generationSlots.WaitAsync(cancellationToken);
        var waited = sw.Elapsed;
        try
        {
            return (await Task.Run(work, cancellationToken), waited);
        }
        finally
        {
            _generationSlots.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsModel)
        {
            Model.Dispose();
        }

        _generationSlots.Dispose();
        _indexLock.Dispose();
    }
}
