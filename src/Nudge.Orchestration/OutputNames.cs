using Nudge.Storage;

namespace Nudge.Orchestration;

/// <summary>
/// The deterministic blob names activities write: derived only from the orchestration instance id and the
/// item index, so a replayed or retried activity finds (and never duplicates) its earlier output.
/// </summary>
public static class OutputNames
{
    /// <summary><c>outputs/{runId}/{index}.png</c>.</summary>
    /// <param name="runId">The generation instance id.</param>
    /// <param name="index">The image index.</param>
    /// <returns>The reference.</returns>
    public static BlobRef ImagePng(string runId, int index) => new(StorageContainers.Outputs, $"{runId}/{index}.png");

    /// <summary><c>outputs/{runId}/{index}.unmodified.png</c>: the first pass a filter fired on, for reviewers.</summary>
    /// <param name="runId">The run (generation instance) id.</param>
    /// <param name="index">The image index.</param>
    /// <returns>The blob reference.</returns>
    public static BlobRef UnmodifiedPng(string runId, int index) => new(StorageContainers.Outputs, $"{runId}/{index}.unmodified.png");

    /// <summary><c>outputs/{runId}/{index}.json</c>: the image record with the nudge report.</summary>
    /// <param name="runId">The generation instance id.</param>
    /// <param name="index">The image index.</param>
    /// <returns>The reference.</returns>
    public static BlobRef ImageRecord(string runId, int index) => new(StorageContainers.Outputs, $"{runId}/{index}.json");

    /// <summary><c>outputs/{runId}/manifest.json</c>.</summary>
    /// <param name="runId">The generation instance id.</param>
    /// <returns>The reference.</returns>
    public static BlobRef GenerationManifest(string runId) => new(StorageContainers.Outputs, $"{runId}/manifest.json");

    /// <summary><c>outputs/{runId}/cancel-requested.json</c>: written by a cancel request, watched by running activities.</summary>
    /// <param name="runId">The generation instance id.</param>
    /// <returns>The reference.</returns>
    public static BlobRef CancelMarker(string runId) => new(StorageContainers.Outputs, $"{runId}/cancel-requested.json");

    /// <summary><c>batch-out/{batchId}/manifest.json</c>.</summary>
    /// <param name="batchId">The batch id.</param>
    /// <returns>The reference.</returns>
    public static BlobRef BatchManifest(string batchId) => new(StorageContainers.BatchOut, $"{batchId}/manifest.json");

    /// <summary><c>batch-out/{batchId}/errors.jsonl</c>.</summary>
    /// <param name="batchId">The batch id.</param>
    /// <returns>The reference.</returns>
    public static BlobRef BatchErrors(string batchId) => new(StorageContainers.BatchOut, $"{batchId}/errors.jsonl");

    /// <summary>
    /// <c>moderation/{nameKey}/{versionKey}.json</c>: the verdict of record on one version of an upload. Keys are
    /// digests, so any name the uploader chose (any characters, any length) maps to a valid, fixed-length path, and
    /// each version has its own verdict that no other run overwrites.
    /// </summary>
    /// <param name="uploadName">The upload's object name.</param>
    /// <param name="etag">The ETag of the version judged (empty when none was read).</param>
    /// <returns>The reference.</returns>
    public static BlobRef Verdict(string uploadName, string etag) => new(StorageContainers.Moderation, $"{UploadVersionKey(uploadName, etag)}.json");

    /// <summary>
    /// <c>quarantine/{nameKey}/{versionKey}/{leaf}</c>: where one version of a flagged, blocked or invalid upload is
    /// kept. Per version, so later evidence never overwrites earlier evidence; the leaf is the upload's last name
    /// segment with unsafe characters replaced, for people browsing the container.
    /// </summary>
    /// <param name="uploadName">The upload's object name.</param>
    /// <param name="etag">The ETag of the version judged.</param>
    /// <returns>The reference.</returns>
    public static BlobRef Quarantined(string uploadName, string etag) => new(StorageContainers.Quarantine, $"{UploadVersionKey(uploadName, etag)}/{SafeLeaf(uploadName)}");

    /// <summary><c>{nameKey}/{versionKey}</c>: 32 and 16 hex digits of SHA-256 over the name and the ETag.</summary>
    /// <param name="uploadName">The upload's object name.</param>
    /// <param name="etag">The version's ETag ("none" is used when empty).</param>
    /// <returns>The key.</returns>
    public static string UploadVersionKey(string uploadName, string etag) =>
        $"{Digest(uploadName)[..32]}/{Digest(etag.Length == 0 ? "none" : etag)[..16]}";

    private static string Digest(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    private static string SafeLeaf(string name)
    {
        var leaf = name[(name.LastIndexOf('/') + 1)..];
        var chars = leaf.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').Take(100).ToArray();
        var safe = new string(chars).Trim('.');
        return safe.Length == 0 ? "upload" : safe;
    }

    /// <summary>The generation instance id of a batch line: <c>{batchInstanceId}-line{n}</c>.</summary>
    /// <param name="batchInstanceId">The batch orchestration's instance id.</param>
    /// <param name="lineNumber">1-based line number.</param>
    /// <returns>The instance id.</returns>
    public static string BatchLineInstance(string batchInstanceId, int lineNumber) => $"{batchInstanceId}-line{lineNumber}";

    /// <summary>The image sub-orchestration id of a generation item: <c>{runId}-img{index}</c>.</summary>
    /// <param name="runId">The generation instance id.</param>
    /// <param name="index">The image index.</param>
    /// <returns>The instance id.</returns>
    public static string ImageInstance(string runId, int index) => $"{runId}-img{index}";

    /// <summary>
    /// A batch id for a batch file version: the file name without <c>.jsonl</c>, made safe (lowercase letters,
    /// digits and hyphens), plus 8 hex digits of the version's ETag, so a duplicate event for the same version
    /// maps to the same batch and a re-upload to a new one.
    /// </summary>
    /// <param name="blobName">The batch file's name in <c>batch-in</c>.</param>
    /// <param name="etag">The version's ETag.</param>
    /// <returns>The batch id (also usable as an instance id and a blob folder name).</returns>
    public static string BatchId(string blobName, string etag)
    {
        var stem = blobName.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? blobName[..^6] : blobName;
        var safe = new string([.. stem.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        if (safe.Length > 60)
        {
            safe = safe[..60].TrimEnd('-');
        }

        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(etag)))[..8];
        return (safe.Length == 0 ? "batch" : safe) + "-" + hash;
    }
}
