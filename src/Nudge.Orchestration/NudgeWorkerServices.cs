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
/// A worker process's composition root: loads the model once and builds, owns and disposes the services the
/// activities take through their constructors (<see cref="GenerationSlots"/>, <see cref="GuardIndices"/>, the store,
/// the policy). Hosts register it with <see cref="NudgeWorkerRegistration.AddNudgeWorker(Microsoft.Extensions.DependencyInjection.IServiceCollection, NudgeWorkerServices)"/>.
/// </summary>
public sealed class NudgeWorkerServices : IDisposable
{
    private readonly ILogger _logger;
    private readonly bool _ownsModel;

    /// <summary>Creates the services around an already loaded model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="store">Where inputs and outputs live.</param>
    /// <param name="policy">The nudge policy (default: <see cref="NudgePolicy"/> defaults).</param>
    /// <param name="moderation">Moderation thresholds and limits (default: <see cref="ModerationOptions"/> defaults).</param>
    /// <param name="maxConcurrentGenerations">Generation runs allowed at once (default 1).</param>
    /// <param name="ownsModel">Whether <see cref="Dispose"/> disposes the model.</param>
    /// <param name="logger">A logger, or null.</param>
    /// <param name="slotWaitLimit">The longest wait for a generation slot (default <see cref="GenerationSlots.DefaultWaitLimit"/>).</param>
    public NudgeWorkerServices(StableDiffusionModel model, IObjectStore store, NudgePolicy? policy = null, ModerationOptions? moderation = null,
        int maxConcurrentGenerations = 1, bool ownsModel = false, ILogger? logger = null, TimeSpan? slotWaitLimit = null)
    {
        Model = model;
        Store = store;
        Policy = policy ?? new NudgePolicy();
        Moderation = moderation ?? new ModerationOptions();
        Slots = new GenerationSlots(maxConcurrentGenerations, slotWaitLimit);
        _ownsModel = ownsModel;
        _logger = logger ?? NullLogger.Instance;
        Pipeline = new DiffusionPipeline(model);
        Embedder = new ClipEmbedder(model);
        CopyDetector = model.CopyDetector is null ? null : new CopyDetector(model);
        Indices = new EmbeddingIndexStore(store);
        Guards = new GuardIndices(model, Pipeline, Embedder, CopyDetector, Indices, Policy, Moderation, _logger);
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
    public int MaxConcurrentGenerations => Slots.MaxConcurrent;

    /// <summary>The process's generation slots.</summary>
    public GenerationSlots Slots { get; }

    /// <summary>The indices the filters and moderation judge against, with the pipeline and moderator over them.</summary>
    public GuardIndices Guards { get; }

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

    /// <summary>The undesired index (see <see cref="GuardIndices.LoadUndesiredAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The index.</returns>
    public Task<EmbeddingIndex> LoadUndesiredAsync(CancellationToken cancellationToken = default) => Guards.LoadUndesiredAsync(cancellationToken);

    /// <summary>The memorized index (see <see cref="GuardIndices.LoadMemorizedAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The index, or null.</returns>
    public Task<EmbeddingIndex?> LoadMemorizedAsync(CancellationToken cancellationToken = default) => Guards.LoadMemorizedAsync(cancellationToken);

    /// <summary>The nudging pipeline over the current indices (see <see cref="GuardIndices.GetNudgingPipelineAsync"/>).</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The pipeline.</returns>
    public Task<NudgingPipeline> GetNudgingPipelineAsync(CancellationToken cancellationToken = default) => Guards.GetNudgingPipelineAsync(cancellationToken);

    /// <summary>Runs work in a generation slot (see <see cref="GenerationSlots.RunAsync{T}"/>).</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="work">The work.</param>
    /// <param name="cancellationToken">Cancels waiting for a slot.</param>
    /// <returns>The result.</returns>
    public Task<T> RunGenerationAsync<T>(Func<T> work, CancellationToken cancellationToken = default) => Slots.RunAsync(work, cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsModel)
        {
            Model.Dispose();
        }


    }
}
