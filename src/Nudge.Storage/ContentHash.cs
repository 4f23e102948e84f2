using System.Security.Cryptography;

namespace Nudge.Storage;

/// <summary>MD5 content hashes in the Base64 form of the HTTP <c>Content-MD5</c> header.</summary>
internal static class ContentHash
{
    public static string Md5Base64(ReadOnlySpan<byte> content) => Convert.ToBase64String(MD5.HashData(content));

    public static async Task<(string Md5Base64, long Length)> Md5Base64Async(Stream content, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        byte[] buffer = new byte[81920];
        long length = 0;
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }

        return (Convert.ToBase64String(hash.GetHashAndReset()), length);
    }
}
