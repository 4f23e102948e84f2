using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Nudge.Storage.Blob;
using Nudge.Testing;

namespace Nudge.Storage.Tests;

/// <summary>
/// The object store contract over Blob Storage: Azurite at <c>UseDevelopmentStorage=true</c>, or the account in
/// <c>NUDGE_TEST_BLOB_CONNECTION</c>. Fails (does not skip) when the account is unreachable.
/// </summary>
public sealed class BlobObjectStoreTests : ObjectStoreContract
{
    private string _connectionString = null!;

    public override async Task InitializeAsync()
    {
        _connectionString = await AzuriteTestAccount.GetConnectionStringAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        if (_connectionString is not null)
        {
            await AzuriteTestAccount.DeleteContainersAsync(_connectionString, ContainerPrefix);
        }
    }

    [Fact]
    public async Task Containers_are_created_on_first_write_and_are_private()
    {
        string container = NewContainer();
        var service = new BlobServiceClient(_connectionString);
        Assert.False((await service.GetBlobContainerClient(container).ExistsAsync()).Value);

        await Store.WriteIfAbsentAsync(container, "first.txt", Bytes("x"));

        BlobContainerAccessPolicy policy = (await service.GetBlobContainerClient(container).GetAccessPolicyAsync()).Value;
        Assert.Equal(PublicAccessType.None, policy.BlobPublicAccess);
    }

    [Fact]
    public async Task An_unreachable_account_fails_with_instructions_to_start_Azurite()
    {
        const string deadEndpoint =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;";

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => AzuriteTestAccount.EnsureReachableAsync(deadEndpoint));

        Assert.Contains(".ci/azurite.sh start", ex.Message);
        Assert.Contains(AzuriteTestAccount.ConnectionVariable, ex.Message);
        Assert.DoesNotContain("AccountKey", ex.Message);
    }

    [Fact]
    public void Options_must_name_exactly_one_way_to_connect()
    {
        Assert.Throws<ArgumentException>(() => new BlobObjectStore(new BlobObjectStoreOptions()));
        Assert.Throws<ArgumentException>(() => new BlobObjectStore(new BlobObjectStoreOptions
        {
            ConnectionString = AzuriteTestAccount.DefaultConnectionString,
            ServiceUri = new Uri("https://example.blob.core.windows.net"),
        }));
        Assert.Throws<ArgumentException>(() => new BlobObjectStore(new BlobObjectStoreOptions
        {
            ConnectionString = AzuriteTestAccount.DefaultConnectionString,
            ManagedIdentityClientId = "00000000-0000-0000-0000-000000000000",
        }));
        var viaIdentity = new BlobObjectStore(new BlobObjectStoreOptions
        {
            ServiceUri = new Uri("https://example.blob.core.windows.net"),
            ManagedIdentityClientId = "00000000-0000-0000-0000-000000000000",
        });
        Assert.Equal("example", viaIdentity.ServiceClient.AccountName);
    }

    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new BlobObjectStore(new BlobObjectStoreOptions { ConnectionString = _connectionString }));
}
