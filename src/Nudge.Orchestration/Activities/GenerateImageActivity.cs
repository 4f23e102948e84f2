using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.DurableTask;
using Nudge.Engine.Generation;
using Nudge.Mitigation.Pipeline;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// Makes one image with <see cref="NudgingPipeline.Generate"/> (count 1, the item's seed: the same generate →
/// filter → nudge rounds the CLI runs) and writes <c>outputs/{run}/{index}.png</c> and <c>.json</c> with
/// write-if-absent. Idempotent: when the record already exists (a retried or replayed activity) it is returned as
/// it is and nothing is generated or overwritten. Bad input throws <see cref="PermanentActivityException"/>.
/// </summary>
public sealed class GenerateImageActivity(NudgeWorkerServices services) : TaskActivity<ImageWorkItem, ImageResult>
{
    /// <inheritdoc/>
    public override Task<ImageResult> RunAsync(TaskActivityContext context, ImageWorkItem input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="item">The image to make.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>Where the outputs are.</returns>
    public async Task<ImageResult> ExecuteAsync(ImageWorkItem item, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        ArgumentNullException.ThrowIfNull(item);
        var recordRef = OutputNames.ImageRecord(item.RunId, item.Index);
        var pngRef = OutputNames.ImagePng(item.RunId, item.Index);
        var store = services.Store;
        if (await store.ExistsAsync(recordRef.Container, recordRef.Name, cancellationToken))
        {
            return await ReadExistingAsync(item, recordRef, pngRef, cancellationToken);
        }

        var errors = item.Request.Validate();
        if (item.Request.Count != 1)
        {
            throw new PermanentActivityException($"an image work item has count 1, got {item.Request.Count}");
        }

        if (errors.Count > 0)
        {
            throw new PermanentActivityException("invalid request: " + string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}")));
        }

        if (await CancellationMarker.IsSetAsync(store, item.RunId, cancellationToken))
        {
            throw new PermanentActivityException($"generation {item.RunId} was cancelled; image {item.Index} was not made");
        }

        var pipeline = await services.GetNudgingPipelineAsync(cancellationToken);
        GuardedResult guarded;
        TimeSpan waited;

        // A cancel request stops the work: the probe sees it between the first pass's denoising steps (from the
        // generation thread, which a busy thread pool cannot starve); the watch covers waiting for the slot and the
        // nudge rounds, which report no progress.
        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var finished = new CancellationTokenSource();
        var watch = CancellationMarker.WatchAsync(store, item.RunId, cancelled, finished.Token);
        try
        {
            (guarded, waited) = await services.RunGenerationTimedAsync(
                () => pipeline.Generate(item.Request, CancellationMarker.Probe(store, item.RunId, cancelled), cancelled.Token), cancelled.Token);
        }
        catch (ArgumentException ex)
        {
            throw new PermanentActivityException($"invalid request: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (cancelled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PermanentActivityException($"generation {item.RunId} was cancelled; image {item.Index} stopped before it was finished", ex);
        }
        finally
        {
            await finished.CancelAsync();
            await watch;
        }

        var g = guarded.Images[0];
        var record = GuardedImageRecord.Create(guarded, g, services.Model, item.Index, $"{item.Index}.png");
        var metadata = new Dictionary<string, string> { ["nudge_outcome"] = g.Outcome.ToString().ToLowerInvariant(), ["nudge_run"] = item.RunId };
        BlobRef? unmodified = null;
        if (g.Outcome != ImageOutcome.Clean)
        {
            // What it would have been, for the review page; written before the record like the PNG.
            unmodified = OutputNames.UnmodifiedPng(item.RunId, item.Index);
            await store.WriteIfAbsentAsync(unmodified.Container, unmodified.Name, g.Unmodified.Png, "image/png", metadata, cancellationToken);
        }

        if (g.Image is not null)
        {
            // The PNG first, the record last: the record is the commit marker a retry looks for. Generation is
            // deterministic, so a PNG left by a crashed attempt has these very bytes.
            await store.WriteIfAbsentAsync(pngRef.Container, pngRef.Name, g.Image.Png, "image/png", metadata, cancellationToken);
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(record, ImageRecord.JsonOptions);
        if (!await store.WriteIfAbsentAsync(recordRef.Container, recordRef.Name, json, "application/json", metadata, cancellationToken))
        {
            return await ReadExistingAsync(item, recordRef, pngRef, cancellationToken);
        }

        return new ImageResult(item.Index, item.Request.Seed, item.Request.Prompt, g.Outcome, g.Image is null ? null : pngRef, recordRef, g.Rounds.Count, (sw.Elapsed - waited).TotalMilliseconds, Reused: false, Unmodified: unmodified);
    }

    private async Task<ImageResult> ReadExistingAsync(ImageWorkItem item, BlobRef recordRef, BlobRef pngRef, CancellationToken cancellationToken)
    {
        var stored = await services.Store.ReadAsync(recordRef.Container, recordRef.Name, cancellationToken);
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
