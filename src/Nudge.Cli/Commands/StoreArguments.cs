using Nudge.Cli.Console;
using Nudge.Engine.Models;
using Nudge.Mitigation.Pipeline;
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
    public static LocalFolderObjectStore OpenObjects(Arguments args) => new(new LocalFolderStoreOptions { RootPath = Root(args) });

    /// <summary>The store's folder, created when missing.</summary>
    public static string Root(Arguments args)
    {
        var root = args.String("store") ?? Environment.GetEnvironmentVariable("NUDGE_STORE") ?? ".nudge-store";
        try
        {
            Directory.CreateDirectory(root);
            return Path.GetFullPath(root);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new UsageException($"store folder '{root}' is not usable: {ex.Message}");
        }
    }

    /// <summary>
    /// The indices the nudging pipeline reads: undesired and, with a copy detector, memorized. Missing ones are created
    /// from the model's memorized set, and a line on stderr says so.
    /// </summary>
    public static async Task<(EmbeddingIndex Undesired, EmbeddingIndex? Memorized)> GuardIndicesAsync(EmbeddingIndexStore store, NudgePolicy policy,
        StableDiffusionModel model, ClipEmbedder embedder, CopyDetector? detector, CancellationToken cancellationToken)
    {
        static void Say(string line) => System.Console.Error.WriteLine("nudge: " + line);
        var undesired = await MemorizedIndices.LoadUndesiredAsync(store, policy.UndesiredIndex, model, embedder, Say, cancellationToken);
        var memorized = await MemorizedIndices.LoadMemorizedAsync(store, policy.MemorizedIndex, model, detector, Say, cancellationToken);
        CheckDimension(undesired, embedder.Dimension, "embedder");
        if (memorized is not null && detector is not null)
        {
            CheckDimension(memorized, detector.Dimension, "copy detector");
        }

        return (undesired, memorized);
    }

    // An index made with another model's embedder or copy detector cannot be searched with this one's vectors.
    private static void CheckDimension(EmbeddingIndex index, int dimension, string what)
    {
        if (index.Count > 0 && index.Dimension != dimension)
        {
            throw new UsageException($"index '{index.Name}' holds {index.Dimension}-d vectors but this model's {what} makes {dimension}-d ones "
                + "(it was built with another model): use another --store, or remove the index and let it be rebuilt");
        }
    }
}
