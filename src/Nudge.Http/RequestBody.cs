using Microsoft.AspNetCore.Http;

namespace Nudge.Http;

/// <summary>Reads request bodies with a byte limit enforced while reading, not after.</summary>
public static class RequestBody
{
    /// <summary>
    /// Reads a request's body when it is at most <paramref name="maxBytes"/> long: refused from the declared
    /// Content-Length without reading, and a chunked body is read at most one byte past the limit.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="maxBytes">The most bytes accepted.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bytes, or null when the body is longer (answer with <see cref="ApiResults.TooLarge"/>).</returns>
    public static Task<ReadOnlyMemory<byte>?> ReadAtMostAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ContentLength > maxBytes ? Task.FromResult<ReadOnlyMemory<byte>?>(null) : ReadAtMostAsync(request.Body, maxBytes, cancellationToken);
    }

    /// <summary>Reads the whole body when it is at most <paramref name="maxBytes"/> long.</summary>
    /// <param name="body">The body stream.</param>
    /// <param name="maxBytes">The most bytes accepted.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bytes, or null as soon as the body proves longer (the rest is never read).</returns>
    public static async Task<ReadOnlyMemory<byte>?> ReadAtMostAsync(Stream body, int maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var buffer = new byte[maxBytes + 1];
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await body.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (n == 0)
            {
                return buffer.AsMemory(0, total);
            }

            total += n;
        }

        return null;
    }
}
