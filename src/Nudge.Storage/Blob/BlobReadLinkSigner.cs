using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace Nudge.Storage.Blob;

/// <summary>
/// Signs read-only SAS links to blobs. Deployed storage has shared keys disabled, so there the links are
/// user-delegation SAS: a delegation key is requested with the app's Entra ID identity (it needs the
/// <c>Storage Blob Delegator</c> role, which Storage Blob Data Contributor includes), cached, and renewed before
/// it expires. When the client holds the account key (Azurite, local development) a service SAS is signed with
/// it instead, and <see cref="SignedLink.Kind"/> says which.
/// </summary>
public sealed class BlobReadLinkSigner : IReadLinkSigner
{
    /// <summary>How long a requested delegation key stays valid; links never outlive the key that signed them.</summary>
    public static readonly TimeSpan DelegationKeyLifetime = TimeSpan.FromHours(6);

    private readonly BlobServiceClient _client;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private UserDelegationKey? _key;

    /// <summary>Creates a signer over a blob service client.</summary>
    /// <param name="client">The client (with the account key, or with a token credential).</param>
    /// <param name="time">The clock (tests), or null for the system clock.</param>
    public BlobReadLinkSigner(BlobServiceClient client, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public async Task<SignedLink> SignReadAsync(string container, string name, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(container);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (lifetime <= TimeSpan.Zero || lifetime > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, "read links are short-lived: more than zero and at most one hour");
        }

        var now = _time.GetUtcNow();
        var blob = _client.GetBlobContainerClient(container).GetBlobClient(name);
        // Start a few minutes back: the client's clock may run ahead of the service's.
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, now + lifetime)
        {
            BlobContainerName = container,
            BlobName = name,
            Resource = "b",
            StartsOn = now - TimeSpan.FromMinutes(5),
            Protocol = _client.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        if (blob.CanGenerateSasUri)
        {
            return new SignedLink(blob.GenerateSasUri(sas), sas.ExpiresOn, "service");
        }

        var key = await GetDelegationKeyAsync(now + lifetime, cancellationToken);
        var uri = new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key, _client.AccountName) }.ToUri();
        return new SignedLink(uri, sas.ExpiresOn, "user-delegation");
    }

    private async Task<UserDelegationKey> GetDelegationKeyAsync(DateTimeOffset neededUntil, CancellationToken cancellationToken)
    {
        await _keyLock.WaitAsync(cancellationToken);
        try
        {
            if (_key is null || _key.SignedExpiresOn < neededUntil)
            {
                var now = _time.GetUtcNow();
                _key = (await _client.GetUserDelegationKeyAsync(now - TimeSpan.FromMinutes(5), now + DelegationKeyLifetime, cancellationToken)).Value;
            }

            return _key;
        }
        finally
        {
            _keyLock.Release();
        }
    }
}
