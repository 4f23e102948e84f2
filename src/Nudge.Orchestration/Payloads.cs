using Nudge.Engine.Generation;
using Nudge.Mitigation.Moderation;
using Nudge.Mitigation.Pipeline;

namespace Nudge.Orchestration;

/// <summary>A reference to one stored object. Orchestration payloads carry these, never the bytes.</summary>
/// <param name="Container">The container.</param>
/// <param name="Name">The object name.</param>
public sealed record BlobRef(string Container, string Name)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Container}/{Name}";
}

/// <summary>
/// What a generation orchestration makes: the request's images (<see cref="GenerationRequest.Count"/> seeds,
/// <c>Seed + i</c>) for its prompt, or for each of <see cref="Prompts"/> when given.
/// </summary>
/// <param name="Request">Settings, first seed and count.</param>
/// <param name="Prompts">Further prompts to fan out over (each gets <c>Count</c> images), or null for the request's prompt only.</param>
public sealed record GenerationJob(GenerationRequest Request, IReadOnlyList<string>? Prompts = null)
{
    /// <summary>The images to make, in output order: one count-1 request per image, with its own seed.</summary>
    /// <param name="runId">The generation's instance id (the output folder).</param>
    /// <returns>The work items.</returns>
    public IReadOnlyList<ImageWorkItem> Expand(string runId)
    {
        var prompts = Prompts is { Count: > 0 } p ? p : [Request.Prompt];
        var items = new List<ImageWorkItem>(prompts.Count * Request.Count);
        foreach (var prompt in prompts)
        {
            for (int i = 0; i < Request.Count; i++)
            {
                items.Add(new ImageWorkItem(runId, items.Count, Request with { Prompt = prompt, Seed = Request.Seed + i, Count = 1 }));
            }
        }

        return items;
    }
}

/// <summary>One image of a generation: a count-1 request and where its outputs go.</summary>
/// <param name="RunId">The generation's instance id: outputs land in <c>outputs/{RunId}/{Index}.png|json</c>.</param>
/// <param name="Index">Position in the generation.</param>
/// <param name="Request">The image's own request (count 1, its seed).</param>
public sealed record ImageWorkItem(string RunId, int Index, GenerationRequest Request);

/// <summary>One image's result: blob references and the outcome, never the pixels.</summary>
/// <param name="Index">Position in the generation.</param>
/// <param name="Seed">The image's seed.</param>
/// <param name="Prompt">Its prompt.</param>
/// <param name="Outcome">Clean, nudged, unresolved or blocked (null when it failed).</param>
/// <param name="Image">The PNG (null when blocked or failed).</param>
/// <param name="Record">The JSON record (image record with the nudge report), null when it failed.</param>
/// <param name="Rounds">Nudge rounds run.</param>
/// <param name="ActivityMs">Time the activity that made it spent working (waiting for a generation slot excluded; 0 when reused).</param>
/// <param name="Reused">True when an earlier attempt had already written the outputs and they were returned as they were.</param>
/// <param name="Error">Why it failed, or null.</param>
/// <param name="Unmodified">The first-pass image a filter fired on (<c>{Index}.unmodified.png</c>), kept for review beside the nudged one; null when clean.</param>
public sealed record ImageResult(int Index, long Seed, string Prompt, ImageOutcome? Outcome, BlobRef? Image, BlobRef? Record, int Rounds, double ActivityMs, bool Reused, string? Error = null, BlobRef? Unmodified = null);

/// <summary>Progress an orchestration reports as its custom status.</summary>
/// <param name="Phase">What it is doing: "validating", "generating", "writing-manifest", "completed", ...</param>
/// <param name="Done">Items finished (successfully or not).</param>
/// <param name="Total">Items in all.</param>
/// <param name="Failed">Items that failed.</param>
public sealed record OrchestrationProgress(string Phase, int Done, int Total, int Failed);

/// <summary>The fan-in of a generation, written to <c>outputs/{RunId}/manifest.json</c> and returned as its output.</summary>
/// <param name="RunId">The generation's instance id.</param>
/// <param name="Total">Images asked for.</param>
/// <param name="Succeeded">Images that ended with an outcome.</param>
/// <param name="Failed">Images that failed.</param>
/// <param name="Images">Each image, by index.</param>
/// <param name="Manifest">Where the manifest is.</param>
/// <param name="ActivityMs">Sum of the activities' own time (for overhead measurements).</param>
public sealed record GenerationSummary(string RunId, int Total, int Succeeded, int Failed, IReadOnlyList<ImageResult> Images, BlobRef Manifest, double ActivityMs);

/// <summary>A batch file to run.</summary>
/// <param name="Source">The JSONL blob (one generation request per line).</param>
/// <param name="BatchId">The batch's id: results go to <c>batch-out/{BatchId}/</c>.</param>
/// <param name="ETag">The version that was dropped; the file is read only if it is still that version (null: any).</param>
/// <param name="Cursor">Where a batch continued as new resumes (null when it starts).</param>
/// <param name="ChunkLines">Lines run per orchestration generation, between two continue-as-new.</param>
public sealed record BatchInput(BlobRef Source, string BatchId, string? ETag = null, BatchCursor? Cursor = null, int ChunkLines = BatchInput.DefaultChunkLines)
{
    /// <summary>Lines per chunk unless the input says otherwise.</summary>
    public const int DefaultChunkLines = 64;
}

/// <summary>
/// How far a batch has got: the batch runs its valid lines a chunk at a time and continues as new after each chunk,
/// so its history holds one chunk, never the whole file.
/// </summary>
/// <param name="Plan">The valid lines, one JSON <see cref="BatchLine"/> per line (<see cref="State.WorkNames.BatchLines"/>).</param>
/// <param name="Lines">Valid lines in all.</param>
/// <param name="Rejected">Lines rejected when the file was read.</param>
/// <param name="ErrorsBlob">The rejected lines' file, or null.</param>
/// <param name="NextLine">0-based index into <paramref name="Plan"/> of the next line to run.</param>
/// <param name="Images">Images made so far.</param>
/// <param name="FailedLines">Lines with a failure so far.</param>
public sealed record BatchCursor(BlobRef Plan, int Lines, int Rejected, BlobRef? ErrorsBlob, int NextLine, int Images, int FailedLines);

/// <summary>A valid line of a batch file.</summary>
/// <param name="LineNumber">1-based line number.</param>
/// <param name="Job">What it asks for.</param>
public sealed record BatchLine(int LineNumber, GenerationJob Job);

/// <summary>A line of a batch file that was not run.</summary>
/// <param name="LineNumber">1-based line number.</param>
/// <param name="Reason">Why, naming the fields.</param>
public sealed record BatchLineError(int LineNumber, string Reason);

/// <summary>A parsed batch file: where its valid lines were stored, and counts (the lines themselves stay out of history).</summary>
/// <param name="Lines">The valid lines, one JSON <see cref="BatchLine"/> per line.</param>
/// <param name="LineCount">Valid lines.</param>
/// <param name="Rejected">Rejected lines.</param>
/// <param name="ErrorsBlob">Where the rejected lines were recorded (<c>errors.jsonl</c>), or null when there were none.</param>
public sealed record BatchPlan(BlobRef Lines, int LineCount, int Rejected, BlobRef? ErrorsBlob);

/// <summary>A run of a batch's valid lines.</summary>
/// <param name="Lines">The stored valid lines.</param>
/// <param name="Start">0-based index of the first.</param>
/// <param name="Count">How many.</param>
public sealed record BatchChunk(BlobRef Lines, int Start, int Count);

/// <summary>A chunk's results, to store for the manifest.</summary>
/// <param name="BatchId">The batch id.</param>
/// <param name="Start">0-based index of the chunk's first line in the plan.</param>
/// <param name="Results">Each line's result.</param>
public sealed record BatchChunkResults(string BatchId, int Start, IReadOnlyList<BatchLineResult> Results);

/// <summary>What the batch's manifest is written from.</summary>
/// <param name="BatchId">The batch id.</param>
/// <param name="Source">The batch file.</param>
/// <param name="Cursor">The finished batch's cursor.</param>
public sealed record BatchManifestWork(string BatchId, BlobRef Source, BatchCursor Cursor);

/// <summary>A finished batch's output: counts and its manifest (which lists every line).</summary>
/// <param name="BatchId">The batch id.</param>
/// <param name="Manifest">The manifest (<c>batch-out/{BatchId}/manifest.json</c>, a <see cref="BatchSummary"/>).</param>
/// <param name="Lines">Valid lines run.</param>
/// <param name="Images">Images made.</param>
/// <param name="FailedLines">Lines with a failure.</param>
/// <param name="Rejected">Lines rejected when the file was read.</param>
public sealed record BatchOutcome(string BatchId, BlobRef Manifest, int Lines, int Images, int FailedLines, int Rejected);

/// <summary>What happened to one valid line.</summary>
/// <param name="LineNumber">1-based line number.</param>
/// <param name="InstanceId">The line's generation instance id (its outputs are under <c>outputs/{InstanceId}/</c>).</param>
/// <param name="Manifest">The line's generation manifest, or null when it failed.</param>
/// <param name="Succeeded">Images made.</param>
/// <param name="Failed">Images that failed.</param>
/// <param name="Error">Why the whole line failed, or null.</param>
public sealed record BatchLineResult(int LineNumber, string InstanceId, BlobRef? Manifest, int Succeeded, int Failed, string? Error);

/// <summary>The batch's manifest, written to <c>batch-out/{BatchId}/manifest.json</c>.</summary>
/// <param name="BatchId">The batch id.</param>
/// <param name="Source">The batch file.</param>
/// <param name="Lines">Each valid line's result.</param>
/// <param name="Errors">The rejected lines.</param>
/// <param name="ErrorsBlob">The rejected lines' file, or null.</param>
/// <param name="Manifest">Where this manifest is.</param>
public sealed record BatchSummary(string BatchId, BlobRef Source, IReadOnlyList<BatchLineResult> Lines, IReadOnlyList<BatchLineError> Errors, BlobRef? ErrorsBlob, BlobRef Manifest);

/// <summary>An uploaded object to moderate.</summary>
/// <param name="Upload">The upload (normally in <c>uploads</c>).</param>
/// <param name="ETag">The version the event announced; when it cannot be judged, that version is recorded and quarantined.</param>
public sealed record ModerationInput(BlobRef Upload, string? ETag = null);

/// <summary>The verdict on one upload version.</summary>
/// <param name="Upload">The upload.</param>
/// <param name="SourceETag">The ETag of the version judged (empty when it was missing).</param>
/// <param name="Length">Its size in bytes.</param>
/// <param name="Verdict">Allow, flag, block or invalid.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="Score">Largest cosine with an undesired image entry (null when invalid).</param>
/// <param name="Matches">The closest undesired entries.</param>
/// <param name="Width">Image width (0 when invalid).</param>
/// <param name="Height">Image height (0 when invalid).</param>
public sealed record ModerationRecord(BlobRef Upload, string SourceETag, long Length, ModerationVerdict Verdict, string Reason, float? Score, IReadOnlyList<ModerationMatch> Matches, int Width, int Height);

/// <summary>One undesired entry close to an upload.</summary>
/// <param name="EntryId">The entry.</param>
/// <param name="Similarity">Cosine.</param>
/// <param name="Threshold">The threshold it was compared with.</param>
public sealed record ModerationMatch(string EntryId, float Similarity, float Threshold);

/// <summary>What the quarantine step did.</summary>
/// <param name="Copy">The verified copy in <c>quarantine</c>, or null when none was made.</param>
/// <param name="OriginalRemoved">Whether the upload was deleted (only ever after a verified copy).</param>
/// <param name="Note">What happened, in words.</param>
public sealed record QuarantineResult(BlobRef? Copy, bool OriginalRemoved, string Note);

/// <summary>The moderation orchestration's output.</summary>
/// <param name="Record">The verdict.</param>
/// <param name="VerdictBlob">Where the verdict JSON is (<c>moderation/{name}.json</c>).</param>
/// <param name="Quarantine">The quarantine step (null for allow/invalid).</param>
public sealed record ModerationOutcome(ModerationRecord Record, BlobRef VerdictBlob, QuarantineResult? Quarantine);

/// <summary>What an image step wrote: its state blob, and the time it worked (0 when an earlier attempt had written it).</summary>
/// <param name="State">The blob it wrote (or found).</param>
/// <param name="ActivityMs">Time spent working, waiting for a generation slot excluded.</param>
/// <param name="Reused">True when an earlier attempt had written it and nothing was computed.</param>
public sealed record StepResult(BlobRef State, double ActivityMs, bool Reused);

/// <summary>Input of the filter activity: judge an image after <paramref name="RoundsDone"/> rounds (0: the first pass).</summary>
/// <param name="Item">The image.</param>
/// <param name="RoundsDone">Rounds run so far; the image judged is the first pass (0) or round <c>RoundsDone − 1</c>.</param>
/// <param name="Matched">The push targets before this report.</param>
public sealed record FilterWork(ImageWorkItem Item, int RoundsDone, IReadOnlyList<string> Matched);

/// <summary>What the filter activity found and what follows.</summary>
/// <param name="Report">The stored filter report.</param>
/// <param name="Decision">Done (with the outcome) or the next round and its push targets.</param>
/// <param name="ActivityMs">Time spent working (0 when reused).</param>
public sealed record FilterStep(BlobRef Report, NudgeDecision Decision, double ActivityMs);

/// <summary>Input of the nudge activity: run round <paramref name="Round"/> of an image against <paramref name="Matched"/>.</summary>
/// <param name="Item">The image.</param>
/// <param name="Round">0-based round.</param>
/// <param name="Matched">The push targets.</param>
public sealed record NudgeWork(ImageWorkItem Item, int Round, IReadOnlyList<string> Matched);

/// <summary>Input of the publisher: the image's outcome after <paramref name="Rounds"/> rounds.</summary>
/// <param name="Item">The image.</param>
/// <param name="Rounds">Rounds run.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Matched">The push targets at the end.</param>
public sealed record PublishWork(ImageWorkItem Item, int Rounds, ImageOutcome Outcome, IReadOnlyList<string> Matched);
