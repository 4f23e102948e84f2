using System.Diagnostics;
using System.Text.Json;
using Microsoft.DurableTask;
using Nudge.Engine.Generation;
using Nudge.Mitigation.Pipeline;
using Nudge.Orchestration.State;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// The last step of an image: assembles the stored first pass, filter reports and rounds into the guarded image the
/// in-process loop returns (<see cref="NudgeDecision.Finish"/>), and writes <c>outputs/{run}/{index}.png</c>, the
/// first pass for review when a filter fired, and the record (<see cref="GuardedImageRecord"/>), each write-if-absent
/// and the record last. Idempotent: when the record exists it is returned as it is.
/// </summary>
public sealed class PublishImageActivity(IObjectStore store, GuardIndices guards) : TaskActivity<PublishWork, ImageResult>
{
    /// <inheritdoc/>
    public override Task<ImageResult> RunAsync(TaskActivityContext context, PublishWork input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="work">The image and its outcome.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>Where the outputs are.</returns>
    public async Task<ImageResult> ExecuteAsync(PublishWork work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var sw = Stopwatch.StartNew();
        var item = work.Item;
        var recordRef = OutputNames.ImageRecord(item.RunId, item.Index);
        var pngRef = OutputNames.ImagePng(item.RunId, item.Index);
        if (await store.ExistsAsync(recordRef.Container, recordRef.Name, cancellationToken))
        {
            return await ReadExistingAsync(item, recordRef, pngRef, cancellationToken);
        }

        if (await CancellationMarker.IsSetAsync(store, item.RunId, cancellationToken))
        {
            throw new PermanentActivityException($"generation {item.RunId} was cancelled; image {item.Index} was not published");
        }

        var first = await FirstPassState.ReadAsync(store, item.RunId, item.Index, cancellationToken);
        var initial = await FilterActivity.ReadAsync(store, WorkNames.Filters(item.RunId, item.Index, 0), cancellationToken);
        var rounds = new List<NudgeRoundReport>();
        GeneratedImage? last = null;
        double elapsed = first.Timings.Total.TotalMilliseconds + initial.ElapsedMs;
        for (int r = 0; r < work.Rounds; r++)
        {
            var nudged = await RoundState.ReadAsync(store, item.RunId, item.Index, r, cancellationToken);
            var filters = await FilterActivity.ReadAsync(store, WorkNames.Filters(item.RunId, item.Index, r + 1), cancellationToken);
            var report = nudged.WithFilters(filters.Image, filters.ElapsedMs);
            rounds.Add(report);
            elapsed += report.ElapsedMs;
            last = nudged.Image;
        }

        var unmodified = first.Images[0];
        var guarded = new NudgeDecision(work.Outcome, null, work.Matched).Finish(unmodified, initial.Image, rounds, last, elapsed);
        var result = new GuardedResult(first, initial.Prompt ?? throw new InvalidDataException("The first-pass filter report has no prompt-stage report."), [guarded], guards.Policy);
        var record = GuardedImageRecord.Create(result, guarded, guards.Model, item.Index, $"{item.Index}.png");
        var metadata = new Dictionary<string, string> { ["nudge_outcome"] = guarded.Outcome.ToString().ToLowerInvariant(), ["nudge_run"] = item.RunId };
        BlobRef? unmodifiedRef = null;
        if (guarded.Outcome != ImageOutcome.Clean)
        {
            // What it would have been, for the review page; written before the record like the PNG.
            unmodifiedRef = OutputNames.UnmodifiedPng(item.RunId, item.Index);
            await store.WriteIfAbsentAsync(unmodifiedRef.Container, unmodifiedRef.Name, unmodified.Png, "image/png", metadata, cancellationToken);
        }

        if (guarded.Image is not null)
        {
            // The PNG first, the record last: the record is the commit marker a retry looks for. Every step is
            // deterministic, so a PNG left by a crashed attempt has these very bytes.
            await store.WriteIfAbsentAsync(pngRef.Container, pngRef.Name, guarded.Image.Png, "image/png", metadata, cancellationToken);
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(record, ImageRecord.JsonOptions);
        if (!await store.WriteIfAbsentAsync(recordRef.Container, recordRef.Name, json, "application/json", metadata, cancellationToken))
        {
            return await ReadExistingAsync(item, recordRef, pngRef, cancellationToken);
        }

        return new ImageResult(item.Index, item.Request.Seed, item.Request.Prompt, guarded.Outcome, guarded.Image is null ? null : pngRef, recordRef, rounds.Count,
            sw.Elapsed.TotalMilliseconds, Reused: false, Unmodified: unmodifiedRef);
    }

    private async Task<ImageResult> ReadExistingAsync(ImageWorkItem item, BlobRef recordRef, BlobRef pngRef, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(recordRef.Container, recordRef.Name, cancellationToken);
        using var doc = JsonDocument.Parse(stored.Content);
        var root = doc.RootElement;
        ImageOutcome? outcome = null;
        int rounds = 0;
        if (root.TryGetProperty("extensions", out var ext) && ext.TryGetProperty("nudge", out var nudge))
        {
            outcome = Enum.Parse<ImageOutcome>(nudge.GetProperty("outcome").GetString()!, ignoreCase: true);
            rounds = nudge.GetProperty("rounds").GetArrayLength();
        }

        bool hasImage = root.TryGetProperty("file", out var file) && file.GetString() is { Length: > 0 };
        return new ImageResult(item.Index, root.GetProperty("seed").GetInt64(), root.GetProperty("prompt").GetString() ?? item.Request.Prompt,
            outcome, hasImage ? pngRef : null, recordRef, rounds, 0, Reused: true,
            Unmodified: outcome is null or ImageOutcome.Clean ? null : OutputNames.UnmodifiedPng(item.RunId, item.Index));
    }
}
