using Nudge.Engine.Models;
using Nudge.Orchestration;
using Nudge.Orchestration.Hosting;
using Nudge.Storage.Local;
using Nudge.Testing;

namespace Nudge.Functions.Tests;

/// <summary>
/// What the trigger handlers talk to: a real <see cref="Microsoft.DurableTask.Client.DurableTaskClient"/> from the
/// in-process durable test host (running the real orchestrations), the tiny model, and a local-folder store.
/// </summary>
public sealed class HostFixture : IAsyncLifetime
{
    public HostFixture()
    {
        StoreRoot = Path.Combine(Path.GetTempPath(), "nudge-fn-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(StoreRoot);
        Store = new LocalFolderObjectStore(new LocalFolderStoreOptions { RootPath = StoreRoot, FlushToDisk = false });
        Services = NudgeWorkerServices.Load(Path.Combine(RepositoryRoot.Path, "models", "tiny-sd"), new ModelLoadOptions { ExecutionProvider = ExecutionProvider.Cpu }, Store);
    }

    public string StoreRoot { get; }

    public LocalFolderObjectStore Store { get; }

    public NudgeWorkerServices Services { get; }

    public InProcessDurableHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Services.LoadUndesiredAsync();
        await Services.LoadMemorizedAsync();
        Host = await InProcessDurableHost.StartAsync(Services);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Services.Dispose();
        try
        {
            Directory.Delete(StoreRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class HostCollection : ICollectionFixture<HostFixture>
{
    public const string Name = "functions host";
}
