using Nudge.Engine.Generation;
using Nudge.Engine.Models;
using Nudge.Mitigation.Indices;
using Nudge.Indexing;
using Nudge.Mitigation.Embedding;
using Nudge.Testing;

namespace Nudge.Mitigation.Tests;

/// <summary>
/// The bundled tiny model with its embedder, its copy detector, the undesired index of its memorized set (caption
/// entries) and the memorized index of copy descriptors, loaded once.
/// </summary>
public sealed class TinyModel : IDisposable
{
    public TinyModel()
    {
        Folder = Path.Combine(RepositoryRoot.Path, "models", "tiny-sd");
        Model = StableDiffusionModel.Load(Folder, new ModelLoadOptions { ExecutionProvider = ExecutionProvider.Cpu });
        Pipeline = new DiffusionPipeline(Model);
        Embedder = new ClipEmbedder(Model);
        Memorized = MemorizedSet.Read(Folder);
        Undesired = EmbeddingIndex.Create("undesired", MemorizedSet.ToEntries(Memorized, Embedder, Model));
        CopyDetector = new CopyDetector(Model);
        MemorizedIndex = EmbeddingIndex.Create("memorized", MemorizedSet.ToCopyEntries(Memorized, CopyDetector, Model));
    }

    /// <summary>
    /// The guidance the tiny model is operated and evaluated at (its card: it memorizes 100% of its memorized
    /// captions at 3 and 1% at Stable Diffusion's 7.5, where the tiny UNet over-saturates).
    /// </summary>
    public const float OperatingGuidance = 3f;

    public string Folder { get; }

    public StableDiffusionModel Model { get; }

    public DiffusionPipeline Pipeline { get; }

    public ClipEmbedder Embedder { get; }

    public IReadOnlyList<MemorizedImage> Memorized { get; }

    public EmbeddingIndex Undesired { get; }

    public CopyDetector CopyDetector { get; }

    public EmbeddingIndex MemorizedIndex { get; }

    public void Dispose() => Model.Dispose();
}

[CollectionDefinition(Name)]
public sealed class TinyModelCollection : ICollectionFixture<TinyModel>
{
    public const string Name = "tiny model";
}
