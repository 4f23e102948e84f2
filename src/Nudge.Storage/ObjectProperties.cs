using Azure;

namespace Nudge.Storage;

/// <summary>
/// What a store knows about one stored object, as of the moment it was read or listed.
/// </summary>
/// <param name="Container">The container holding the object.</param>
/// <param name="Name">The object name (<c>/</c>-separated path inside the container).</param>
/// <param name="Length">Content length in bytes.</param>
/// <param name="ETag">The version tag; it changes on every write and metadata update.</param>
/// <param name="ContentType">The MIME type given when the object was written.</param>
/// <param name="ContentMd5">Base64 MD5 of the content, or <see langword="null"/> when the store does not know it.</param>
/// <param name="LastModified">When the object (content or metadata) last changed.</param>
/// <param name="Metadata">User metadata; keys compare case-insensitively.</param>
public sealed record ObjectProperties(
    string Container,
    string Name,
    long Length,
    ETag ETag,
    string ContentType,
    string? ContentMd5,
    DateTimeOffset LastModified,
    IReadOnlyDictionary<string, string> Metadata);
