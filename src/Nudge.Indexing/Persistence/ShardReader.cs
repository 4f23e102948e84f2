using System.Security.Cryptography;
using Nudge.Storage;

namespace Nudge.Indexing.Persistence;

/// <summary>Reads shard blobs and checks them against the length and SHA-256 the manifest recorded.</summary>
internal static class ShardReader
{
    public static async Task<ReadOnlyMemory<byte>> ReadVerifiedAsync(
        IObjectStore store,
        string container,
        string index,
        ShardBlob blob,
        CancellationToken cancellationToken)
    {
        StoredObject stored;
        try
        {
            stored = await store.ReadAsync(container, blob.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException ex)
        {
            throw new InvalidDataException(
                $"Index '{index}' is damaged: its manifest references the shard blob '{container}/{blob.Name}', which does not exist.", ex);
        }

        string sha256 = Sha256Hex(stored.Content.Span);
        if (stored.Content.Length != blob.Length || sha256 != blob.Sha256)
        {
            throw new InvalidDataException(
                $"Shard blob '{container}/{blob.Name}' of index '{index}' is corrupt: expected {blob.Length} bytes with SHA-256 {blob.Sha256}, " +
                $"found {stored.Content.Length} bytes with SHA-256 {sha256}.");
        }

        return stored.Content;
    }

    public static string Sha256Hex(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
