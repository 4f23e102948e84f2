using Azure.Core;
using Azure.Storage.Blobs;

namespace Nudge.Storage.Blob;

/// <summary>
/// Configuration of a <see cref="BlobObjectStore"/>. Set exactly one of <see cref="ConnectionString"/>
/// (Azurite and local development) or <see cref="ServiceUri"/> (Azure, authenticated with a
/// <see cref="TokenCredential"/>).
/// </summary>
public sealed class BlobObjectStoreOptions
{
    /// <summary>
    /// A storage connection string, e.g. <c>UseDevelopmentStorage=true</c> for Azurite. Mutually exclusive
    /// with <see cref="ServiceUri"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The blob service endpoint, e.g. <c>https://{account}.blob.core.windows.net</c>. Requests are authorized
    /// with <see cref="Credential"/>, or with <c>DefaultAzureCredential</c> when that is <see langword="null"/>.
    /// Mutually exclusive with <see cref="ConnectionString"/>.
    /// </summary>
    public Uri? ServiceUri { get; set; }

    /// <summary>The credential for <see cref="ServiceUri"/>; <see langword="null"/> means <c>DefaultAzureCredential</c>.</summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>
    /// The client id of a user-assigned managed identity for <c>DefaultAzureCredential</c>; only with
    /// <see cref="ServiceUri"/> and no <see cref="Credential"/>.
    /// </summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Client options (retries, diagnostics, service version); <see langword="null"/> for the SDK defaults.</summary>
    public BlobClientOptions? ClientOptions { get; set; }
}
