using System.Net;
using Azure.Storage.Blobs;
using Nudge.Storage.Blob;
using Nudge.Testing;

namespace Nudge.Storage.Tests;

/// <summary>Signed read links against Azurite (service SAS: Azurite holds the account key).</summary>
public sealed class BlobReadLinkSignerTests : IAsyncLifetime
{
    private readonly string _container = "links" + Guid.NewGuid().ToString("N")[..10];
    private string _connection = null!;

    public async Task InitializeAsync() => _connection = await AzuriteTestAccount.GetConnectionStringAsync();

    public Task DisposeAsync() => AzuriteTestAccount.DeleteContainersAsync(_connection, _container);

    [Fact]
    public async Task A_signed_link_reads_that_blob_without_credentials_and_nothing_else()
    {
        var client = new BlobServiceClient(_connection);
        var store = new BlobObjectStore(client);
        byte[] png = [137, 80, 78, 71, 1, 2, 3];
        await store.WriteIfAbsentAsync(_container, "run/0.png", png, "image/png");
        await store.WriteIfAbsentAsync(_container, "run/1.png", new byte[] { 9, 9 }, "image/png");
        var signer = new BlobReadLinkSigner(client);

        var link = await signer.SignReadAsync(_container, "run/0.png", TimeSpan.FromMinutes(15));

        Assert.Equal("service", link.Kind);
        Assert.InRange(link.ExpiresOn - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
        using var http = new HttpClient();
        Assert.Equal(png, await http.GetByteArrayAsync(link.Uri));

        // The signature covers the blob name: pointing it at another blob is refused, and so is writing.
        var other = new UriBuilder(link.Uri) { Path = link.Uri.AbsolutePath.Replace("0.png", "1.png", StringComparison.Ordinal) }.Uri;
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(other)).StatusCode);
        var put = new HttpRequestMessage(HttpMethod.Put, link.Uri) { Content = new ByteArrayContent([0]) };
        put.Headers.Add("x-ms-blob-type", "BlockBlob");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(put)).StatusCode);
        Assert.Equal(png, (await store.ReadAsync(_container, "run/0.png")).Content.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(61)]
    public async Task Link_lifetimes_are_short_and_positive(int minutes)
    {
        var signer = new BlobReadLinkSigner(new BlobServiceClient(_connection));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => signer.SignReadAsync(_container, "x.png", TimeSpan.FromMinutes(minutes)));
    }
}
