using System.Text;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Nudge.Orchestration.Activities;
using Nudge.Orchestration.Orchestrators;
using Nudge.Storage;

namespace Nudge.Orchestration.Tests;

[Collection(WorkerCollection.Name)]
public sealed class BatchOrchestrationTests(WorkerFixture fx)
{
    [Fact]
    public async Task A_batch_file_over_the_line_limit_fails_permanently_naming_the_limit()
    {
        var batchId = Requests.NewId("batch");
        var file = string.Concat(Enumerable.Repeat("""{"prompt": "a red circle", "steps": 1}""" + "\n", Nudge.Engine.Generation.GenerationLimits.MaxBatchLines + 1));
        await fx.Store.WriteAsync(StorageContainers.BatchIn, batchId + ".jsonl", Encoding.UTF8.GetBytes(file), "application/x-ndjson");

        var ex = await Assert.ThrowsAsync<PermanentActivityException>(() =>
            TestActivities.Create<ReadBatchFileActivity>(fx.Services).ExecuteAsync(new BatchInput(new BlobRef(StorageContainers.BatchIn, batchId + ".jsonl"), batchId)));
        int limit = Nudge.Engine.Generation.GenerationLimits.MaxBatchLines;
        Assert.Contains($"has {limit + 1} lines; the limit is {limit}", ex.Message);
    }

    [Fact]
    public async Task A_batch_file_replaced_after_it_was_dropped_is_not_read_as_the_dropped_version()
    {
        var batchId = Requests.NewId("batch");
        var name = batchId + ".jsonl";
        var dropped = await fx.Store.WriteAsync(StorageContainers.BatchIn, name, Encoding.UTF8.GetBytes("""{"prompt": "a red circle", "steps": 1}""" + "\n"));
        await fx.Store.WriteAsync(StorageContainers.BatchIn, name, Encoding.UTF8.GetBytes("""{"prompt": "a blue square", "steps": 1}""" + "\n"));

        var ex = await Assert.ThrowsAsync<PermanentActivityException>(() =>
            TestActivities.Create<ReadBatchFileActivity>(fx.Services).ExecuteAsync(new BatchInput(new BlobRef(StorageContainers.BatchIn, name), batchId, dropped.ToString())));
        Assert.Contains("changed after it was dropped", ex.Message);
    }

    [Fact]
    public async Task A_batch_file_with_malformed_lines_records_them_by_line_number_and_completes_the_rest()
    {
        var batchId = Requests.NewId("batch");
        var file = string.Join("\n",
            """{"prompt": "a red circle", "steps": 4, "seed": 1}""",
            """{"prompt": "a blue square", "steps": 4,""",
            "",
            """{"prompt": "", "steps": 0, "seed": 3}""",
            """{"prompt": "a green triangle", "steps": 4, "seed": 4, "count": 2}""") + "\n";
        await fx.Store.WriteAsync(StorageContainers.BatchIn, batchId + ".jsonl", Encoding.UTF8.GetBytes(file), "application/x-ndjson");

        // One line per chunk: the two valid lines run as two orchestration generations joined by continue-as-new.
        var input = new BatchInput(new BlobRef(StorageContainers.BatchIn, batchId + ".jsonl"), batchId, ChunkLines: 1);
        await fx.Host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(BatchFileOrchestrator), input, new StartOrchestrationOptions { InstanceId = batchId });
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var meta = await fx.Host.Client.WaitForInstanceCompletionAsync(batchId, getInputsAndOutputs: true, cts.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, meta.RuntimeStatus);
        var outcome = meta.ReadOutputAs<BatchOutcome>()!;
        var summary = await WriteBatchManifestActivity.ReadAsync(fx.Store, outcome.Manifest);
        Assert.Equal((2, 3, 0, 2), (outcome.Lines, outcome.Images, outcome.FailedLines, outcome.Rejected));
        Assert.Equal([1, 5], summary.Lines.Select(l => l.LineNumber));

        // The last generation's input is the cursor past both lines; each chunk stored its results, and the lines
        // themselves were read from the stored plan, never carried in the orchestration's input.
        var last = meta.ReadInputAs<BatchInput>()!;
        Assert.Equal(2, last.Cursor!.NextLine);
        Assert.Equal(2, (await fx.ListAsync(StorageContainers.Work, $"batches/{batchId}/results-")).Count);
        Assert.DoesNotContain("green triangle", meta.SerializedInput, StringComparison.Ordinal);
        Assert.All(summary.Lines, l => Assert.Null(l.Error));
        Assert.Equal([2, 4], summary.Errors.Select(e => e.LineNumber));

        var errors = await fx.Store.ReadAsync(StorageContainers.BatchOut, $"{batchId}/errors.jsonl");
        var rows = Encoding.UTF8.GetString(errors.Content.Span).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(r => JsonDocument.Parse(r).RootElement).ToList();
        Assert.Equal([2, 4], rows.Select(r => r.GetProperty("line_number").GetInt32()));
        var reason4 = rows[1].GetProperty("reason").GetString()!;
        Assert.Contains("prompt", reason4);
        Assert.Contains("steps", reason4);

        Assert.True(await fx.Store.ExistsAsync(StorageContainers.BatchOut, $"{batchId}/manifest.json"));
        var line1 = OutputNames.BatchLineInstance(batchId, 1);
        var line5 = OutputNames.BatchLineInstance(batchId, 5);
        Assert.Contains($"{line1}/manifest.json", await fx.ListAsync(StorageContainers.Outputs, line1 + "/"));
        var line5Outputs = await fx.ListAsync(StorageContainers.Outputs, line5 + "/");
        Assert.Contains($"{line5}/0.json", line5Outputs);
        Assert.Contains($"{line5}/1.json", line5Outputs);
        Assert.Equal(new OrchestrationProgress("completed", 2, 2, 0), meta.ReadCustomStatusAs<OrchestrationProgress>());
    }

    [Theory]
    [InlineData("""{"prompt": "x", "steps": 0, "width": 30}""", new[] { "steps", "width" })]
    [InlineData("""{"prompt": "x", "colour": "red"}""", new[] { "colour" })]
    [InlineData("""{"prompt": "x", "steps": "many"}""", new[] { "steps" })]
    [InlineData("""{"steps": 4}""", new[] { "prompt" })]
    [InlineData("""{"prompt": "x", "scheduler": "nope", "count": 0}""", new[] { "count", "scheduler" })]
    public void The_request_parser_names_each_bad_field(string json, string[] fields)
    {
        var errors = GenerationRequestParser.TryParse(json, out var job);
        Assert.Null(job);
        Assert.Equal(fields, errors.Keys.Order());
    }

    [Fact]
    public void The_request_parser_accepts_a_full_request_and_expands_prompts_times_seeds()
    {
        var errors = GenerationRequestParser.TryParse("""{"prompts": ["a", "b"], "count": 2, "seed": 10, "steps": 4, "scheduler": "ddim", "width": 64, "height": 64, "guidance": 3.5, "negative_prompt": "blur"}""", out var job);
        Assert.Empty(errors);
        var items = job!.Expand("run");
        Assert.Equal([("a", 10L), ("a", 11L), ("b", 10L), ("b", 11L)], items.Select(i => (i.Request.Prompt, i.Request.Seed)));
        Assert.All(items, i => Assert.Equal(1, i.Request.Count));
        Assert.Equal([0, 1, 2, 3], items.Select(i => i.Index));
    }
}
