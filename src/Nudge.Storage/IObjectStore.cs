using Azure;

namespace Nudge.Storage;

/// <summary>
/// A blob-like store of immutable-per-version objects addressed by (container, name), with ETags for
/// optimistic concurrency. Implemented over a local folder (<see cref="Local.LocalFolderObjectStore"/>)
/// and over Azure Blob Storage (<see cref="Blob.BlobObjectStore"/>); both behave the same.
/// </summary>
/// <remarks>
/// <para>
/// Container names follow the Azure rules (3-63 characters: lowercase letters, digits, single hyphens).
/// Object names are <c>/</c>-separated relative paths: no empty, <c>.</c> or <c>..</c> segments, no
/// backslashes, no leading <c>/</c>, no characters that are invalid in file names. Invalid names throw
/// <see cref="ArgumentException"/> before anything is touched. See <see cref="StorageNames"/>.
/// </para>
/// <para>
/// Missing objects: operations that need the object (<see cref="ReadAsync(string, string, CancellationToken)"/>, <see cref="GetPropertiesAsync"/>,
/// <see cref="SetMetadataAsync"/>, the source of <see cref="CopyAsync"/>) throw <see cref="ObjectNotFoundException"/>;
/// queries (<see cref="ExistsAsync"/>, <see cref="DeleteAsync"/>, <see cref="ListAsync"/>) report absence in their result.
/// Containers are created on the first write and are always private.
/// </para>
/// </remarks>
public interface IObjectStore
{
    /// <summary>Reads the whole object and the properties of exactly the version read.</summary>
    /// <param name="container">The container.</param>
    /// <param name="name">The object name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The content and its properties.</returns>
    /// <exception cref="ObjectNotFoundException">The object does not exist.</exception>
    Task<StoredObject> ReadAsync(string container, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the whole object only when it is at most <paramref name="maxBytes"/> long. A store that can stream stops
    /// before it reads past the limit; this default checks the length first and again after the read, so an object
    /// replaced in between by a larger one is refused too.
    /// </summary>
    /// <param name="container">The container.</param>
    /// <param name="name">The object name.</param>
    /// <param name="maxBytes">The largest length accepted.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The content and its properties.</returns>
    /// <exception cref="ObjectNotFoundException">The object does not exist.</exception>
    /// <exception cref="ObjectTooLargeException">The object is longer than <paramref name="maxBytes"/>.</exception>
    async Task<StoredObject> ReadAsync(string container, string name, long maxBytes, CancellationToken cancellationToken = default)
    {
        var properties = await GetPropertiesAsync(container, name, cancellationToken).ConfigureAwait(false);
        if (properties.Length > maxBytes)
        {
            throw new ObjectTooLargeException(container, name, properties.Length, maxBytes, properties.ETag);
        }

        var stored = await ReadAsync(container, name, cancellationToken).ConfigureAwait(false);
        return stored.Content.Length > maxBytes ? throw new ObjectTooLargeException(container, name, stored.Content.Length, maxBytes, stored.Properties.ETag) : stored;
    }

    /// <summary>Reads the properties (length, ETag, metadata, ...) without the content.</summary>
    /// <param name="container">The container.</param>
    /// <param name="name">The object name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The current properties.</returns>
    /// <exception cref="ObjectNotFoundException">The object does not exist.</exception>
    Task<ObjectProperties> GetPropertiesAsync(string container, string name, CancellationToken cancellationToken = default);

    /// <summary>Whether the object exists (a missing container counts as a missing object).</summary>
    /// <param name="container">The container.</param>
    /// <param name="name">The object name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when the object exists.</returns>
    Task<bool> ExistsAsync(string container, string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates the object unless it already exists; an existing object is never overwritten. Atomic against
    /// concurrent writers: of several writers of the same name exactly one returns <see langword="true"/>.
    /// This is the idempotent write for durable activities: a retried activity finds its earlier output and
    /// gets <see langword="false"/>.
    /// </summary>
    /// <param name="container">The container (created if missing).</param>
    /// <param name="name">The object name.</param>
    /// <param name="content">The bytes to store.</param>
    /// <param name="contentType">MIME type; <c>application/octet-stream</c> when <see langword="null"/>.</param>
    /// <param name="metadata">User metadata (keys: C# identifiers; values: printable ASCII), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this call created the object; <see langword="false"/> when it already existed.</returns>
    Task<bool> WriteIfAbsentAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string? contentType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates or replaces the object (content, content type and metadata together, atomically).
    /// With <paramref name="ifMatch"/> the write happens only if the current version has that ETag
    /// (<see cref="ETag.All"/>: only if the object exists).
    /// </summary>
    /// <param name="container">The container (created if missing).</param>
    /// <param name="name">The object name.</param>
    /// <param name="content">The bytes to store.</param>
    /// <param name="contentType">MIME type; <c>application/octet-stream</c> when <see langword="null"/>.</param>
    /// <param name="metadata">User metadata, or <see langword="null"/> for none.</param>
    /// <param name="ifMatch">The ETag the current version must have, or <see langword="null"/> to write unconditionally.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The ETag of the version written.</returns>
    /// <exception cref="PreconditionFailedException">The object is missing or at another version than <paramref name="ifMatch"/>.</exception>
    Task<ETag> WriteAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string? contentType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        ETag? ifMatch = null,
        CancellationToken cancellationToken = default);

    /// <summary>Deletes the object if it exists.</summary>
    /// <param name="container">The container.</param>
    /// <param name="name">The object name.</param>
    /// <param name="ifMatch">Delete only if the current version has this ETag; <see langword="null"/> for unconditional.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this call deleted the object; <see langword="false"/> when there was nothing to delete.</returns>
    /// <exception cref="PreconditionFailedException">The object exists at another version than <paramref name="ifMatch"/>.</exception>
    Task<bool> DeleteAsync(string container, string name, ETag? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the objects whose names start with <paramref name="prefix"/> (plain string prefix, not a folder
    /// match), in ordinal name order. A missing container lists as empty.
    /// </summary>
    /// <param name="container">The container.</param>
    /// <param name="prefix">Name prefix, or <see langword="null"/> for all objects.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>Name, length, ETag and metadata of each object.</returns>
    IAsyncEnumerable<ObjectProperties> ListAsync(string container, string? prefix = null, CancellationToken cancellationToken = default);

    /// <summary>Replaces the object's user metadata (content and content type unchanged); the ETag changes.</summary>
    /// <param name="container">The container.</param>
    /// <param name="name">The object name.</param>
    /// <param name="metadata">The new metadata (replaces all existing keys).</param>
    /// <param name="ifMatch">Update only if the current version has this ETag; <see langword="null"/> for unconditional.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new ETag.</returns>
    /// <exception cref="ObjectNotFoundException">The object does not exist.</exception>
    /// <exception cref="PreconditionFailedException">The object is at another version than <paramref name="ifMatch"/>.</exception>
    Task<ETag> SetMetadataAsync(
        string container,
        string name,
        IReadOnlyDictionary<string, string> metadata,
        ETag? ifMatch = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Copies an object (content, content type, metadata), replacing the destination, and verifies the copy
    /// (length and MD5 of the destination's bytes against the source) before returning.
    /// </summary>
    /// <param name="sourceContainer">The source container.</param>
    /// <param name="sourceName">The source object name.</param>
    /// <param name="destinationContainer">The destination container (created if missing).</param>
    /// <param name="destinationName">The destination object name.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The properties of the verified destination.</returns>
    /// <exception cref="ObjectNotFoundException">The source does not exist.</exception>
    /// <exception cref="InvalidDataException">The destination does not match the source after the copy.</exception>
    Task<ObjectProperties> CopyAsync(
        string sourceContainer,
        string sourceName,
        string destinationContainer,
        string destinationName,
        CancellationToken cancellationToken = default);
}
