using Azure;

namespace Nudge.Storage;

/// <summary>Thrown by a bounded read when the object is larger than the caller accepts; the content was not read.</summary>
public sealed class ObjectTooLargeException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="container">The container that was addressed.</param>
    /// <param name="name">The object name that was addressed.</param>
    /// <param name="length">The object's length in bytes.</param>
    /// <param name="maxBytes">The caller's limit.</param>
    /// <param name="eTag">The version that was refused.</param>
    public ObjectTooLargeException(string container, string name, long length, long maxBytes, ETag eTag)
        : base($"Object '{container}/{name}' is {length} bytes; the limit is {maxBytes}.")
    {
        Length = length;
        MaxBytes = maxBytes;
        ETag = eTag;
    }

    /// <summary>The version that was refused.</summary>
    public ETag ETag { get; }

    /// <summary>The object's length in bytes.</summary>
    public long Length { get; }

    /// <summary>The caller's limit in bytes.</summary>
    public long MaxBytes { get; }
}
