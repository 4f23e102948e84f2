using Nudge.Engine.Generation;
using Nudge.Engine.Models;

namespace Nudge.Engine.Tests;

/// <summary>The bundled tiny model, loaded once for all tests that need it (CPU provider).</summary>
public sealed class TinyModelFixture : IDisposable
{
    public TinyModelFixture()
    {
        Model = StableDiffusionModel.Load(Folder, new ModelLoadOptions { ExecutionProvider = ExecutionProvider.Cpu });
        Pipeline = new DiffusionPipeline(Model);
    }

    public static string Folder => Path.Combine(TestPaths.RepoRoot, "models", "tiny-sd");

    public StableDiffusionModel Model { get; }

    public DiffusionPipeline Pipeline { get; }

    public void Dispose() => Model.Dispose();
}

[CollectionDefinition(Name)]
public sealed class TinyModelCollection : ICollectionFixture<TinyModelFixture>
{
    public const string Name = "tiny model";
}
