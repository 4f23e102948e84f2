using Nudge.Storage;
using Nudge.Storage.Local;

namespace Nudge.Indexing.Tests;

/// <summary>The index store contract over a local folder (the CLI's storage).</summary>
public sealed class LocalFolderEmbeddingIndexStoreTests : EmbeddingIndexStoreContract
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "nudge-index-tests", Guid.NewGuid().ToString("N"));

    public override Task DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return Task.CompletedTask;
    }

    protected override Task<IObjectStore> CreateObjectStoreAsync() =>
        Task.FromResult<IObjectStore>(new LocalFolderObjectStore(new LocalFolderStoreOptions { RootPath = _root }));
}
