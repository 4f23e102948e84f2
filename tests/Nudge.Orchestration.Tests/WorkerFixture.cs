using Nudge.Engine.Models;
using Nudge.Orchestration.Hosting;
using Nudge.Storage;
using Nudge.Storage.Local;
using Nudge.Testing;

namespace Nudge.Orchestration.Tests;

/// <summary>
/// The bundled tiny model loaded once, a local-folder object store in a temp folder, and an in-process durable
/// test host running every Nudge orchestrator and activity against them.
/// </summary>
public sealed class WorkerFixture : IAsyncLifetime
{
    public WorkerFixture()
    {
        ModelFolder = Path.Combine(RepoRoot(), "models", "tiny-sd");
        StoreRoot = Path.Combine(Path.GetTempPath(), "nudge-orch-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(StoreRoot);
        Store = new LocalFolderObjectStore(new LocalFolderStoreOptions { RootPath = StoreRoot, FlushToDisk = false });
        Model = StableDiffusionModel.Load(ModelFolder, new ModelLoadOptions { ExecutionProvider = ExecutionProvider.Cpu });
        Services = new NudgeWorkerServices(Model, Store);
    }

    public string ModelFolder { get; }

    public string StoreRoot { get; }

    public LocalFolderObjectStore Store { get; }

    public StableDiffusionModel Model { get; }

    public NudgeWorkerServices Services { get; }

    public InProcessDurableHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Create the undesired index from the memorized set before any test races to do it.
        await Services.LoadUndesiredAsync();
        await Services.LoadMemorizedAsync();
        Host = await InProcessDurableHost.StartAsync(Services);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Services.Dispose();
        Model.Dispose();
        try
        {
            Directory.Delete(StoreRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static string RepoRoot() => RepositoryRoot.Path;

    /// <summary>Names of the objects under a prefix.</summary>
    public async Task<List<string>> ListAsync(string container, string prefix)
    {
        var names = new List<string>();
        await foreach (var p in Store.ListAsync(container, prefix))
        {
            names.Add(p.Name);
        }

        return names;
    }
}

[CollectionDefinition(Name)]
public sealed class WorkerCollection : ICollectionFixture<WorkerFixture>
{
    public const string Name = "durable worker";
}
