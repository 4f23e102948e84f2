using Nudge.Cli.Console;
using Nudge.Engine.Models;
using Nudge.Evaluation;
using Nudge.Mitigation.Indices;
using Nudge.Indexing;
using Nudge.Indexing.Persistence;
using Nudge.Mitigation.Embedding;
using Nudge.Storage.Local;

namespace Nudge.Cli.Commands;

/// <summary>
/// The local store the CLI keeps indices in: <c>--store DIR</c>, else <c>$NUDGE_STORE</c>, else
/// <c>.nudge-store</c> in the working folder. The same layout as the Blob containers.
/// </summary>
internal static class StoreArguments
{
    public static EmbeddingIndexStore Open(Arguments args) => new(OpenObjects(args));

    /// <summary>The store's object layer (containers <c>indices</c>, <c>outputs</c>, <c>batch-in</c>, ...).</summary>
    public static LocalFolderObjectStore OpenObjects(Arguments args)
    {
        var root = args.String("store") ?? Environment.GetEnvironmentVariable("NUDGE_STORE") ?? ".nudge-store";
        try
        {
            Directory.CreateDirectory(root);
            return new LocalFolderObjectStore(new LocalFolderStoreOptions { RootPath = Path.GetFullPath(root) });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new UsageException($"store folder '{root}' is not usable: {ex.Message}");
        }
    }

    /// <summary>
    /// The undesired index. When it does not exist yet and the model ships a memorized set, it is created
    /// from that set, and a line on stderr says so.
    /// </summary>
    public static async Task<EmbeddingIndex> UndesiredAsync(EmbeddingIndexStore store, string name, StableDiffusionModel model, ClipEmbedder embedder, CancellationToken cancellationToken)
    {
        var index = await store.LoadAsync(name, cancellationToken: cancellationToken);
        if (index.Exists || !File.Exists(Path.Combine(model.Folder, "memorized", "memorized.jsonl")))
        {
            return index;
        }

        var entries = MemorizedSet.ToEntries(MemorizedSet.Read(model.Folder), embedder, model);
        await store.AddAsync(name, entries, cancellationToken);
        System.Console.Error.WriteLine($"nudge: created index '{name}' from {Path.Combine(model.Folder, "memorized")} ({entries.Count} entries)");
        return await store.LoadAsync(name, cancellationToken: cancellationToken);
    }
}
