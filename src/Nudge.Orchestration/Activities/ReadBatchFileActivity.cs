using System.Text;
using System.Text.Json;
using Microsoft.DurableTask;
using Nudge.Engine.Generation;
using Nudge.Orchestration.State;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// Reads a JSONL batch file and validates each line with <see cref="GenerationRequestParser"/>. Blank lines are
/// skipped; the valid lines are stored for the batch to run a chunk at a time (<see cref="WorkNames.BatchLines"/>),
/// and each rejected line is recorded with its 1-based number and reason in <c>batch-out/{batch}/errors.jsonl</c>
/// (both write-if-absent). Only counts and references go back to the orchestration. A missing batch file is a
/// permanent failure.
/// </summary>
public sealed class ReadBatchFileActivity(IObjectStore store) : TaskActivity<BatchInput, BatchPlan>
{
    /// <summary>Largest batch file accepted, in bytes (<see cref="GenerationLimits.MaxBatchFileBytes"/>).</summary>
    public const long MaxBytes = GenerationLimits.MaxBatchFileBytes;

    /// <summary>One JSON object per line, as the stored plan and the errors file hold them.</summary>
    internal static readonly JsonSerializerOptions LineOptions = new(ImageRecord.JsonOptions) { WriteIndented = false };

    /// <inheritdoc/>
    public override Task<BatchPlan> RunAsync(TaskActivityContext context, BatchInput input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="input">The batch file.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>Where the valid lines are, and how many were valid and rejected.</returns>
    public async Task<BatchPlan> ExecuteAsync(BatchInput input, CancellationToken cancellationToken = default)
    {
        StoredObject file;
        try
        {
            file = await store.ReadAsync(input.Source.Container, input.Source.Name, MaxBytes, cancellationToken);
        }
        catch (ObjectTooLargeException ex)
        {
            throw new PermanentActivityException($"batch file {input.Source} is {ex.Length} bytes; the limit is {MaxBytes}", ex);
        }
        catch (ObjectNotFoundException ex)
        {
            throw new PermanentActivityException($"batch file {input.Source} does not exist", ex);
        }

        var lines = new StringBuilder();
        int lineCount = 0;
        var errors = new List<BatchLineError>();
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(file.Content.Span).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException ex)
        {
            throw new PermanentActivityException($"batch file {input.Source} is not UTF-8 text", ex);
        }

        if (input.ETag is { Length: > 0 } expected && file.ETag.ToString() != expected)
        {
            // The file was replaced after it was dropped: this batch is the dropped version's, and that version is gone.
            throw new PermanentActivityException($"batch file {input.Source} changed after it was dropped (ETag {file.ETag}, expected {expected}); the new version runs as its own batch");
        }

        var rows = text.Split('\n');
        int nonBlank = rows.Count(r => r.Trim().Length > 0);
        if (nonBlank > GenerationLimits.MaxBatchLines)
        {
            throw new PermanentActivityException($"batch file {input.Source} has {nonBlank} lines; the limit is {GenerationLimits.MaxBatchLines}");
        }

        for (int i = 0; i < rows.Length; i++)
        {
            var row = rows[i].TrimEnd('\r');
            if (row.Trim().Length == 0)
            {
                continue;
            }

            var problems = GenerationRequestParser.TryParse(row, out var job);
            if (job is not null)
            {
                lines.Append(JsonSerializer.Serialize(new BatchLine(i + 1, job), LineOptions)).Append('\n');
                lineCount++;
            }
            else
            {
                errors.Add(new BatchLineError(i + 1, string.Join("; ", problems.Select(p => $"{p.Key}: {p.Value}"))));
            }
        }

        BlobRef? errorsRef = null;
        if (errors.Count > 0)
        {
            errorsRef = OutputNames.BatchErrors(input.BatchId);
            var jsonl = new StringBuilder();
            foreach (var e in errors)
            {
                jsonl.Append(JsonSerializer.Serialize(e, LineOptions)).Append('\n');
            }

            await store.WriteIfAbsentAsync(errorsRef.Container, errorsRef.Name, Encoding.UTF8.GetBytes(jsonl.ToString()), "application/x-ndjson", null, cancellationToken);
        }

        var plan = WorkNames.BatchLines(input.BatchId);
        await store.WriteIfAbsentAsync(plan.Container, plan.Name, Encoding.UTF8.GetBytes(lines.ToString()), "application/x-ndjson", null, cancellationToken);
        return new BatchPlan(plan, lineCount, errors.Count, errorsRef);
    }
}
