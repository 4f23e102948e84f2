using System.Text;
using System.Text.Json;
using Microsoft.DurableTask;
using Nudge.Engine.Generation;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// Reads a JSONL batch file and validates each line with <see cref="GenerationRequestParser"/>. Blank lines are
/// skipped; each rejected line is recorded with its 1-based number and reason in <c>batch-out/{batch}/errors.jsonl</c>
/// (write-if-absent). A missing batch file is a permanent failure.
/// </summary>
public sealed class ReadBatchFileActivity(IObjectStore store) : TaskActivity<BatchInput, BatchPlan>
{
    /// <summary>Largest batch file accepted, in bytes (<see cref="GenerationLimits.MaxBatchFileBytes"/>).</summary>
    public const long MaxBytes = GenerationLimits.MaxBatchFileBytes;

    private static readonly JsonSerializerOptions s_lineOptions = new(ImageRecord.JsonOptions) { WriteIndented = false };

    /// <inheritdoc/>
    public override Task<BatchPlan> RunAsync(TaskActivityContext context, BatchInput input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="input">The batch file.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The valid lines and the rejected ones.</returns>
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

        var lines = new List<BatchLine>();
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
                lines.Add(new BatchLine(i + 1, job));
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
                jsonl.Append(JsonSerializer.Serialize(e, s_lineOptions)).Append('\n');
            }

            await store.WriteIfAbsentAsync(errorsRef.Container, errorsRef.Name, Encoding.UTF8.GetBytes(jsonl.ToString()), "application/x-ndjson", null, cancellationToken);
        }

        return new BatchPlan(lines, errors, errorsRef);
    }
}
