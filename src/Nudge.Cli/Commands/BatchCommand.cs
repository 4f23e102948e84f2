using System.Globalization;
using System.Security.Cryptography;
using Nudge.Cli.Console;
using Nudge.Mitigation.Pipeline;
using Nudge.Orchestration;
using Nudge.Orchestration.Activities;
using Nudge.Orchestration.Hosting;
using Nudge.Orchestration.Orchestrators;
using Nudge.Storage;

namespace Nudge.Cli.Commands;

/// <summary>
/// <c>batch FILE.jsonl --out DIR</c>: runs <see cref="BatchFileOrchestrator"/> on this machine, on the in-process
/// Durable host or (<c>--durable-storage CONN</c>) on the Durable Task Framework's Azure Storage backend, the same
/// orchestration the Functions app starts when a file lands in <c>batch-in</c>. The batch id is derived from the
/// file's name and content, so running the same file again reuses every finished image, and on the Azure Storage
/// backend attaches to a run that an earlier, interrupted invocation left in flight.
/// </summary>
internal static class BatchCommand
{
    public const string Usage = "batch FILE.jsonl --out DIR [--durable-storage CONN] [--task-hub NAME] [--timeout MINUTES] [--model DIR] [--policy FILE] [--store DIR]";

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var file = args.Argument("file");
        var outDir = args.Required("out");
        double timeoutMinutes = args.Float("timeout") ?? 120;
        var modelDir = ModelArguments.Folder(args);
        var policyPath = args.String("policy");
        var objects = StoreArguments.OpenObjects(args);
        if (timeoutMinutes <= 0)
        {
            throw new UsageException("--timeout must be positive");
        }

        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(file, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"cannot read batch file '{file}': {ex.Message}");
        }

        var hostOptions = DurableArguments.Read(args, defaultTaskHub: "nudgecli");

        var policy = policyPath is null ? new NudgePolicy() : PolicyArguments.Load(policyPath);
        outDir = AtomicFile.EnsureWritableFolder(outDir);

        // Same file name and bytes -> same batch id -> the activities find and reuse their earlier outputs.
        var batchId = OutputNames.BatchId(Path.GetFileName(file), Convert.ToHexStringLower(SHA256.HashData(content)));
        var source = new BlobRef(StorageContainers.BatchIn, batchId + ".jsonl");
        await objects.WriteIfAbsentAsync(source.Container, source.Name, content, "application/x-ndjson", cancellationToken: cancellationToken);

        using var model = ModelArguments.Load(modelDir);
        using var services = new NudgeWorkerServices(model, objects, policy, logger: CliLog.Logger,
            slotWaitLimit: Timeout.InfiniteTimeSpan); // no function timeout here: a long local queue just waits
        await StoreArguments.GuardIndicesAsync(services.Indices, services.Policy, model, services.Embedder, services.CopyDetector, cancellationToken);

        await using var host = await DurableArguments.StartAsync(hostOptions, services);

        var existing = await host.GetStateAsync(batchId, cancellationToken);
        if (existing.Status is DurableRunStatus.Running or DurableRunStatus.Pending)
        {
            System.Console.Error.WriteLine($"nudge: batch {batchId} is already in flight on the {host.Backend} backend; attaching to it");
        }
        else
        {
            await host.ScheduleAsync(nameof(BatchFileOrchestrator), batchId, new BatchInput(source, batchId), cancellationToken);
            System.Console.Error.WriteLine($"nudge: batch {batchId} started on the {host.Backend} backend");
        }

        var progress = new Progress<DurableRunState>(s =>
        {
            if (s.Progress is { } p)
            {
                System.Console.Error.WriteLine($"nudge: batch {batchId}: {p.Phase} {p.Done}/{p.Total} lines" + (p.Failed > 0 ? $", {p.Failed} failed" : ""));
            }
        });
        var state = await host.WaitForFinishAsync(batchId, TimeSpan.FromMinutes(timeoutMinutes), progress, cancellationToken: cancellationToken);
        if (state.Status != DurableRunStatus.Completed)
        {
            System.Console.Error.WriteLine($"nudge: batch {batchId} {state.Status.ToString().ToLowerInvariant()}: {state.FailureMessage}");
            return 1;
        }

        var outcome = state.ReadOutput<BatchOutcome>() ?? throw new InvalidDataException($"batch {batchId} completed without an outcome");
        var summary = await WriteBatchManifestActivity.ReadAsync(objects, outcome.Manifest, cancellationToken);
        int copied = await ExportAsync(objects, summary, outDir, cancellationToken);
        int failedLines = summary.Lines.Count(l => l.Error is not null || l.Failed > 0);
        var inv = CultureInfo.InvariantCulture;
        System.Console.WriteLine(string.Create(inv,
            $"batch {batchId}: {summary.Lines.Count} line(s) run, {summary.Lines.Sum(l => l.Succeeded)} image(s), {failedLines} line(s) with failures, {summary.Errors.Count} line(s) rejected; {copied} file(s) in {outDir}"));
        foreach (var e in summary.Errors)
        {
            System.Console.Error.WriteLine($"nudge: line {e.LineNumber} rejected: {e.Reason}");
        }

        foreach (var l in summary.Lines.Where(l => l.Error is not null))
        {
            System.Console.Error.WriteLine($"nudge: line {l.LineNumber} failed: {l.Error}");
        }

        return failedLines > 0 || summary.Errors.Count > 0 ? 1 : 0;
    }

    /// <summary>
    /// Copies the batch's manifest and errors and each line's outputs into <paramref name="outDir"/>:
    /// <c>manifest.json</c>, <c>errors.jsonl</c>, <c>line-N/{i}.png</c>, <c>line-N/{i}.json</c>, <c>line-N/manifest.json</c>.
    /// </summary>
    private static async Task<int> ExportAsync(IObjectStore objects, BatchSummary summary, string outDir, CancellationToken cancellationToken)
    {
        int copied = 0;
        async Task CopyAsync(BlobRef from, string to)
        {
            var stored = await objects.ReadAsync(from.Container, from.Name, cancellationToken);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            AtomicFile.Write(to, stored.Content.Span);
            copied++;
        }

        await CopyAsync(summary.Manifest, Path.Combine(outDir, "manifest.json"));
        if (summary.ErrorsBlob is { } errors)
        {
            await CopyAsync(errors, Path.Combine(outDir, "errors.jsonl"));
        }

        foreach (var line in summary.Lines)
        {
            var prefix = line.InstanceId + "/";
            var names = new List<string>();
            await foreach (var p in objects.ListAsync(StorageContainers.Outputs, prefix, cancellationToken))
            {
                names.Add(p.Name);
            }

            foreach (var name in names)
            {
                await CopyAsync(new BlobRef(StorageContainers.Outputs, name), Path.Combine(outDir, $"line-{line.LineNumber}", name[prefix.Length..]));
            }
        }

        return copied;
    }
}
