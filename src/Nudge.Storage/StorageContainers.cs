namespace Nudge.Storage;

/// <summary>
/// The containers Nudge uses. Every store creates them on first write, always private.
/// </summary>
public static class StorageContainers
{
    /// <summary>Embedding indices: <c>{index}/manifest.json</c> and <c>{index}/shards/*.bin</c>.</summary>
    public const string Indices = "indices";

    /// <summary>Generated images and their run records.</summary>
    public const string Outputs = "outputs";

    /// <summary>Batch job inputs (prompt lists, job descriptions).</summary>
    public const string BatchIn = "batch-in";

    /// <summary>Batch job results.</summary>
    public const string BatchOut = "batch-out";

    /// <summary>User uploads (reference images, index sources) before they are checked.</summary>
    public const string Uploads = "uploads";

    /// <summary>Moderation records and items awaiting review.</summary>
    public const string Moderation = "moderation";

    /// <summary>Objects withheld after moderation; never served to users.</summary>
    public const string Quarantine = "quarantine";

    /// <summary>Images that administrators stage for index entries; the index API reads entry images from here only.</summary>
    public const string IndexImages = "index-images";

    /// <summary>
    /// Working state one activity leaves for the next (first passes with their restart states, nudge rounds, filter
    /// reports); only the app reads it, and a lifecycle rule deletes it after a week.
    /// </summary>
    public const string Work = "work";

    /// <summary>All of the above, in a stable order.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Indices, Outputs, BatchIn, BatchOut, Uploads, Moderation, Quarantine, IndexImages, Work];
}
