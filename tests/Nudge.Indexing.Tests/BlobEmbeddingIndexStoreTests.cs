using Nudge.Storage;
using Nudge.Storage.Blob;
using Nudge.Testing;

namespace Nudge.Indexing.Tests;

/// <summary>
/// The index store contract over Blob Storage (Azurite, or <c>NUDGE_TEST_BLOB_CONNECTION</c>); fails, never skips,
/// when the account is unreachable.
/// </summary>
public sealed class BlobEmbeddingIndexStoreTests : EmbeddingIndexStoreContract
{
    private string _connectionString = null!;

    public override async Task InitializeAsync() => _connectionString = await AzuriteTestAccount.GetConnectionStringAsync();

    public override async Task DisposeAsync()
    {
        if (_connectionString is not null)
        {
            await AzuriteTestAccount.DeleteContainersAsync(_connectionString, ContainerPrefix);
        }
    }

    protected override Task<IObjectStore> CreateObjectStoreAsync() =>
        Task.FromResult<IObjectStore>(new BlobObjectStore(new BlobObjectStoreOptions { ConnectionString = _connectionString }));
}
