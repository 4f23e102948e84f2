using Nudge.Engine.Generation;
using Nudge.Engine.Models;
using Nudge.Mitigation.Indices;
using Nudge.Indexing;
using Nudge.Mitigation.Embedding;

namespace Nudge.Mitigation.Tests;

/// <summary>The bundled tiny model with its embedder and an undesired index of its memorized set, loaded once.</summary>
public sealed class TinyModel : IDisposable
{
    public TinyModel()
    {
        Folder = Path.Combine(RepoRoot(), "models", "tiny-sd");
        Model = StableDiffusionModel.Load(Folder, new ModelLoadOptions { ExecutionProvider = ExecutionProvider.Cpu });
        Pipeline = new DiffusionPipeline(Model);
        Embedder = new ClipEmbedder(Model);
        Memorized = MemorizedSet.Read(Folder);
        Undesired = EmbeddingIndex.Create("undesired", MemorizedSet.ToEntries(Memorized, Embedder, Model));
    }

    public string Folder { get; }

    public StableDiffusionModel Model { get; }

    public DiffusionPipeline Pipeline { get; }

    public ClipEmbedder Embedder { get; }

    public IReadOnlyList<MemorizedImage> Memorized { get; }

    public EmbeddingIndex Undesired { get; }

    public void Dispose() => Model.Dispose();

    private static string RepoRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Nudge.Functions.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("No Nudge.Functions.sln above the test binaries.");
    }
}

[CollectionDefinition(Name)]
public sealed class TinyModelCollection : ICollectionFixture<TinyModel>
{
    public const string Name = "tiny model";
}
