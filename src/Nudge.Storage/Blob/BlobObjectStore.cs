using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Nudge.Storage.Blob;

/// <summary>
/// An <see cref="IObjectStore"/> over Azure Blob Storage (block blobs), for the Functions host; also runs
/// against Azurite.
/// </summary>
/// <remarks>
/// <para>
/// Write-if-absent is an upload with <c>If-None-Match: *</c>; conditional writes, deletes and metadata updates
/// use <c>If-Match</c>. Every upload stores the content's MD5 (<c>Content-MD5</c>), which
/// <see cref="ObjectProperties.ContentMd5"/> reports and <see cref="CopyAsync"/> checks.
/// Containers are created, private, by the first write that finds them missing.
/// </para>
/// <para>
/// The SDK retries failed requests. A write-if-absent whose first attempt succeeded but whose response was lost
/// is retried, finds the blob and returns <see langword="false"/>: the object is there, written by this caller.
/// </para>
/// </remarks>
public sealed class BlobObjectStore : IObjectStore
{
    private const int CopyAttempts = 3;

    /// <summary>Creates a store from options (connection string, or service URI and credential).</summary>
    /// <param name="options">The configuration.</param>
    /// <exception cref="ArgumentException">The options do not name exactly one way to connect.</exception>
    public BlobObjectStore(BlobObjectStoreOptions options)
        : this(CreateServiceClient(options))
    {
    }

    /// <summary>Creates a store over an existing client (dependency injection, tests).</summary>
    /// <param name="serviceClient">The blob service client.</param>
    public BlobObjectStore(BlobServiceClient serviceClient)
    {
        ArgumentNullException.ThrowIfNull(serviceClient);
        ServiceClient = serviceClient;
    }

    /// <summary>The underlying blob service client.</summary>
    public BlobServiceClient ServiceClient { get; }

    /// <inheritdoc />
    public async Task<StoredObject> ReadAsync(string container, string name, CancellationToken cancellationToken = default)
    {
        BlobClient blob = GetBlob(container, name);
        try
        {
            BlobDownloadResult result = (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value;
            BlobDownloadDetails details = result.Details;
            ReadOnlyMemory<byte> content = result.Content.ToMemory();
            return Downloaded(container, name, details, content);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new ObjectNotFoundException(container, name, ex);
        }
    }

    /// <inheritdoc />
    public async Task<StoredObject> ReadAsync(string container, string name, long maxBytes, CancellationToken cancellationToken = default)
    {
        BlobClient blob = GetBlob(container, name);
        try
        {
            // The response headers carry the length: an oversized blob is refused before its body is read.
            using BlobDownloadStreamingResult result = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            BlobDownloadDetails details = result.Details;
            if (details.ContentLength > maxBytes)
            {
                throw new ObjectTooLargeException(container, name, details.ContentLength, maxBytes, details.ETag);
            }

            var content = new byte[details.ContentLength];
            await result.Content.ReadExactlyAsync(content, cancellationToken).ConfigureAwait(false);
            return Downloaded(container, name, details, content);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new ObjectNotFoundException(container, name, ex);
        }
    }

    private static StoredObject Downloaded(string container, string name, BlobDownloadDetails details, ReadOnlyMemory<byte> content)
    {
        byte[]? md5 = details.BlobContentHash is { Length: > 0 } ? details.BlobContentHash : details.ContentHash;
        var properties = new ObjectProperties(
            container,
            name,
            content.Length,
            details.ETag,
            details.ContentType ?? StorageNames.DefaultContentType,
            ToBase64(md5),
            details.LastModified,
            MetadataDictionary.Copy(details.Metadata));
        return new StoredObject(properties, content);
    }

    /// <inheritdoc />
    public async Task<ObjectProperties> GetPropertiesAsync(string container, string name, CancellationToken cancellationToken = default)
    {
        BlobClient blob = GetBlob(container, name);
        return ToProperties(container, name, await GetBlobPropertiesAsync(blob, container, name, cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(string container, string name, CancellationToken cancellationToken = default)
    {
        BlobClient blob = GetBlob(container, name);
        try
        {
            return (await blob.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<bool> WriteIfAbsentAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string? contentType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        BlobClient blob = GetBlob(container, name);
        StorageNames.ValidateMetadata(metadata);
        try
        {
            await UploadAsync(blob, content, contentType, metadata, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken)
                .ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // 409 BlobAlreadyExists (or a concurrent writer's upload in progress), 412 ConditionNotMet.
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<ETag> WriteAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string? contentType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        ETag? ifMatch = null,
        CancellationToken cancellationToken = default)
    {
        BlobClient blob = GetBlob(container, name);
        StorageNames.ValidateMetadata(metadata);
        BlobRequestConditions? conditions = ifMatch is { } expected ? new BlobRequestConditions { IfMatch = expected } : null;
        try
        {
            return await UploadAsync(blob, content, contentType, metadata, conditions, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ifMatch is not null && ex.Status is 404 or 412)
        {
            throw new PreconditionFailedException(
                container, name, ex.Status == 404 ? $"expected ETag {ifMatch}, but the object does not exist." : $"the object is not at ETag {ifMatch}.", ex);
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string container, string name, ETag? ifMatch = null, CancellationToken cancellationToken = default)
    {
        BlobClient blob = GetBlob(container, name);
        BlobRequestConditions? conditions = ifMatch is { } expected ? new BlobRequestConditions { IfMatch = expected } : null;
        try
        {
            return (await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            // Some services (Azurite) answer If-Match on a missing blob with 412 rather than 404: absent is still absent.
            if (!await ExistsAsync(container, name, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            throw new PreconditionFailedException(container, name, $"the object is not at ETag {ifMatch}.", ex);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectProperties> ListAsync(
        string container,
        string? prefix = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageNames.ValidateContainerName(container);
        BlobContainerClient containerClient = ServiceClient.GetBlobContainerClient(container);
        var options = new GetBlobsOptions { Traits = BlobTraits.Metadata, Prefix = string.IsNullOrEmpty(prefix) ? null : prefix };
        IAsyncEnumerator<BlobItem> items = containerClient.GetBlobsAsync(options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await items.MoveNextAsync().ConfigureAwait(false);
                }
                catch (RequestFailedException ex) when (ex.Status == 404)
                {
                    more = false; // container not found: nothing to list
                }

                if (!more)
                {
                    break;
                }

                BlobItem item = items.Current;
                BlobItemProperties p = item.Properties;
                yield return new ObjectProperties(
                    container,
                    item.Name,
                    p.ContentLength ?? 0,
                    HeaderForm(p.ETag ?? default),
                    p.ContentType ?? StorageNames.DefaultContentType,
                    ToBase64(p.ContentHash),
                    p.LastModified ?? p.CreatedOn ?? default,
                    MetadataDictionary.Copy(item.Metadata));
            }
        }
        finally
        {
            await items.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<ETag> SetMetadataAsync(
        string container,
        string name,
        IReadOnlyDictionary<string, string> metadata,
        ETag? ifMatch = null,
        CancellationToken cancellationToken = default)
    {
        BlobClient blob = GetBlob(container, name);
        ArgumentNullException.ThrowIfNull(metadata);
        StorageNames.ValidateMetadata(metadata);
        BlobRequestConditions? conditions = ifMatch is { } expected ? new BlobRequestConditions { IfMatch = expected } : null;
        try
        {
            return (await blob.SetMetadataAsync(ToDictionary(metadata), conditions, cancellationToken).ConfigureAwait(false)).Value.ETag;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new ObjectNotFoundException(container, name, ex);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw new PreconditionFailedException(container, name, $"the object is not at ETag {ifMatch}.", ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// A server-side copy (<c>Copy Blob</c>, conditioned on the source's ETag) when the service allows it,
    /// otherwise download and upload. The destination's bytes are then downloaded and hashed; the copy returns
    /// only when their length and MD5 equal the source's.
    /// </remarks>
    public async Task<ObjectProperties> CopyAsync(
        string sourceContainer,
        string sourceName,
        string destinationContainer,
        string destinationName,
        CancellationToken cancellationToken = default)
    {
        BlobClient source = GetBlob(sourceContainer, sourceName, nameof(sourceContainer), nameof(sourceName));
        BlobClient destination = GetBlob(destinationContainer, destinationName, nameof(destinationContainer), nameof(destinationName));
        if (sourceContainer == destinationContainer && sourceName == destinationName)
        {
            throw new ArgumentException($"Cannot copy '{sourceContainer}/{sourceName}' onto itself.", nameof(destinationName));
        }

        for (int attempt = 1; ; attempt++)
        {
            BlobProperties sourceProperties = await GetBlobPropertiesAsync(source, sourceContainer, sourceName, cancellationToken).ConfigureAwait(false);
            try
            {
                string sourceMd5 = sourceProperties.ContentHash is { Length: > 0 } stored
                    ? Convert.ToBase64String(stored)
                    : (await HashBlobAsync(source, sourceProperties.ETag, cancellationToken).ConfigureAwait(false)).Md5;
                await CopyContentAsync(source, destination, sourceProperties.ETag, cancellationToken).ConfigureAwait(false);
                return await VerifyCopyAsync(destination, sourceContainer, sourceName, destinationContainer, destinationName, sourceProperties.ContentLength, sourceMd5, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < CopyAttempts)
            {
                // The source changed while we copied it: start again from its new version.
            }
            catch (RequestFailedException ex) when (ex.Status == 412)
            {
                throw new PreconditionFailedException(sourceContainer, sourceName, $"the source kept changing during {CopyAttempts} copy attempts.", ex);
            }
        }
    }

    private static BlobServiceClient CreateServiceClient(BlobObjectStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        bool hasConnectionString = !string.IsNullOrWhiteSpace(options.ConnectionString);
        if (hasConnectionString == (options.ServiceUri is not null))
        {
            throw new ArgumentException(
                "Set exactly one of BlobObjectStoreOptions.ConnectionString (Azurite, local development) or BlobObjectStoreOptions.ServiceUri (Azure, with a TokenCredential).",
                nameof(options));
        }

        if (hasConnectionString)
        {
            if (options.Credential is not null || options.ManagedIdentityClientId is not null)
            {
                throw new ArgumentException("Credential and ManagedIdentityClientId apply to ServiceUri, not to ConnectionString.", nameof(options));
            }

            return new BlobServiceClient(options.ConnectionString, options.ClientOptions);
        }

        if (options.Credential is not null && options.ManagedIdentityClientId is not null)
        {
            throw new ArgumentException("Set either Credential or ManagedIdentityClientId (which configures DefaultAzureCredential), not both.", nameof(options));
        }

        TokenCredential credential = options.Credential
            ?? new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId });
        return new BlobServiceClient(options.ServiceUri, credential, options.ClientOptions);
    }

    /// <summary>
    /// Listings carry ETags without the quotes that response headers have; one object must have one ETag
    /// whichever call reported it, so listed ETags are quoted like the headers.
    /// </summary>
    private static ETag HeaderForm(ETag etag)
    {
        string value = etag.ToString();
        return value.Length == 0 || value[0] == '"' || value == "*" || value.StartsWith("W/", StringComparison.Ordinal)
            ? etag
            : new ETag($"\"{value}\"");
    }

    private static string? ToBase64(byte[]? hash) => hash is { Length: > 0 } ? Convert.ToBase64String(hash) : null;

    private static Dictionary<string, string> ToDictionary(IReadOnlyDictionary<string, string> metadata) => new(metadata);

    private static ObjectProperties ToProperties(string container, string name, BlobProperties p) =>
        new(container, name, p.ContentLength, p.ETag, p.ContentType ?? StorageNames.DefaultContentType, ToBase64(p.ContentHash), p.LastModified,
            MetadataDictionary.Copy(p.Metadata));

    private static async Task<BlobProperties> GetBlobPropertiesAsync(BlobClient blob, string container, string name, CancellationToken cancellationToken)
    {
        try
        {
            return (await blob.GetPropertiesAsync(conditions: null, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new ObjectNotFoundException(container, name, ex);
        }
    }

    private static async Task<(string Md5, long Length)> HashBlobAsync(BlobClient blob, ETag etag, CancellationToken cancellationToken)
    {
        var options = new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = etag } };
        using BlobDownloadStreamingResult download = (await blob.DownloadStreamingAsync(options, cancellationToken).ConfigureAwait(false)).Value;
        return await ContentHash.Md5Base64Async(download.Content, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<ObjectProperties> VerifyCopyAsync(
        BlobClient destination,
        string sourceContainer,
        string sourceName,
        string destinationContainer,
        string destinationName,
        long sourceLength,
        string sourceMd5,
        CancellationToken cancellationToken)
    {
        BlobProperties copied = await GetBlobPropertiesAsync(destination, destinationContainer, destinationName, cancellationToken).ConfigureAwait(false);
        (string copiedMd5, long copiedLength) = copied.ContentLength == sourceLength
            ? await HashBlobAsync(destination, copied.ETag, cancellationToken).ConfigureAwait(false)
            : (string.Empty, copied.ContentLength);
        if (copiedLength != sourceLength || copiedMd5 != sourceMd5)
        {
            throw new InvalidDataException(
                $"Copy of '{sourceContainer}/{sourceName}' to '{destinationContainer}/{destinationName}' failed verification: " +
                $"expected {sourceLength} bytes with MD5 {sourceMd5}, found {copiedLength} bytes{(copiedMd5.Length > 0 ? $" with MD5 {copiedMd5}" : string.Empty)}.");
        }

        return ToProperties(destinationContainer, destinationName, copied);
    }

    private BlobClient GetBlob(string container, string name, string containerParam = "container", string nameParam = "name")
    {
        StorageNames.ValidateContainerName(container, containerParam);
        StorageNames.ValidateObjectName(name, nameParam);
        return ServiceClient.GetBlobContainerClient(container).GetBlobClient(name);
    }

    /// <summary>Runs a write; if the container is missing, creates it (private) and runs the write once more.</summary>
    private async Task<T> WithContainerAsync<T>(BlobClient blob, Func<Task<T>> write, CancellationToken cancellationToken)
    {
        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            await ServiceClient.GetBlobContainerClient(blob.BlobContainerName)
                .CreateIfNotExistsAsync(PublicAccessType.None, metadata: null, cancellationToken)
                .ConfigureAwait(false);
            return await write().ConfigureAwait(false);
        }
    }

    private Task<ETag> UploadAsync(
        BlobClient blob,
        ReadOnlyMemory<byte> content,
        string? contentType,
        IReadOnlyDictionary<string, string>? metadata,
        BlobRequestConditions? conditions,
        CancellationToken cancellationToken)
    {
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders
            {
                ContentType = string.IsNullOrWhiteSpace(contentType) ? StorageNames.DefaultContentType : contentType,
                ContentHash = MD5.HashData(content.Span),
            },
            Metadata = metadata is null ? null : ToDictionary(metadata),
            Conditions = conditions,
        };
        BinaryData data = BinaryData.FromBytes(content);
        return WithContainerAsync(
            blob,
            async () => (await blob.UploadAsync(data, options, cancellationToken).ConfigureAwait(false)).Value.ETag,
            cancellationToken);
    }

    private async Task CopyContentAsync(BlobClient source, BlobClient destination, ETag sourceETag, CancellationToken cancellationToken)
    {
        try
        {
            var options = new BlobCopyFromUriOptions { SourceConditions = new BlobRequestConditions { IfMatch = sourceETag } };
            await WithContainerAsync(
                destination,
                async () =>
                {
                    CopyFromUriOperation operation = await destination.StartCopyFromUriAsync(source.Uri, options, cancellationToken).ConfigureAwait(false);
                    await operation.WaitForCompletionAsync(cancellationToken).ConfigureAwait(false);
                    return true;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status is 400 or 401 or 403 or 501 || ex.ErrorCode == BlobErrorCode.CannotVerifyCopySource)
        {
            // The service would not copy server-side (e.g. the credential cannot authorize the source): copy through this process.
            BlobDownloadResult download = (await source.DownloadContentAsync(
                new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = sourceETag } },
                cancellationToken).ConfigureAwait(false)).Value;
            await UploadAsync(
                destination,
                download.Content.ToMemory(),
                download.Details.ContentType,
                MetadataDictionary.Copy(download.Details.Metadata),
                conditions: null,
                cancellationToken).ConfigureAwait(false);
        }
    }
}
