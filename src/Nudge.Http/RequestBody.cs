namespace Nudge.Http;

/// <summary>Reads request bodies with a byte limit enforced while reading, not after.</summary>
public static class RequestBody
{
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
