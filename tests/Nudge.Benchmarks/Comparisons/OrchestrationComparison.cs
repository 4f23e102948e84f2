using System.Diagnostics;
using Nudge.Benchmarks.Core;
using Nudge.Engine.Generation;
using Nudge.Engine.Models;
using Nudge.Orchestration;
using Nudge.Orchestration.Hosting;
using Nudge.Orchestration.Orchestrators;
using Nudge.Storage.Local;
using Nudge.Testing;

namespace Nudge.Benchmarks.Comparisons;

/// <summary>
/// Per-image cost of the Durable orchestrations: wall time per image of a <see cref="GenerationOrchestrator"/> run of
/// N images, and that minus the wall time per image of the same activities called one after another in this process
/// with no durable host (the direct run, measured right before each orchestrated one), on the in-process host and on
/// the Durable Task Framework's Azure Storage backend against Azurite, for N = 1, 10 and 100. Every run uses the same
/// local-folder object store, so only the durable backend differs.
/// </summary>
public sealed class OrchestrationComparison : IComparison
{
    /// <inheritdoc/>
    public string Name => "orchestration";

    /// <inheritdoc/>
    public string Title => "Orchestration overhead per image: in-process host vs Azure Storage backend (Azurite)";

    /// <inheritdoc/>
    public async Task<ComparisonResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var o = context.Options;
        var result = new ComparisonResult(Name, Title);
        int[] sizes = [1, 10, 100];
        const int Steps = 4;
        using var model = StableDiffusionModel.Load(o.ModelDir, new ModelLoadOptions { ExecutionProvider = ExecutionProvider.Cpu, IntraOpThreads = o.EffectiveThreads, IntraOpSpinning = !o.PassiveWait });
        var store = new LocalFolderObjectStore(new LocalFolderStoreOptions { RootPath = Path.Combine(context.ScratchDir, "orchestration-store"), FlushToDisk = false });
        using var services = new NudgeWorkerServices(model, store);
        await services.GetNudgingPipelineAsync(cancellationToken);
        services.Pipeline.Generate(new GenerationRequest { Prompt = "warm-up", Steps = Steps }, cancellationToken: cancellationToken);

        var table = new ResultTable("overhead", ["backend", "images", "wall (ms)", "wall per image (ms)", "direct wall per image (ms)", "overhead per image (ms)", "Σ activity time (ms)", "wall − Σ activity, per image (ms)"]);
        var perBackend = new Dictionary<string, List<(int N, double Overhead, double WallPerImage)>>();
        // The task hub lives where the tests' Blob account is: NUDGE_TEST_BLOB_CONNECTION, else Azurite.
        string connection = AzuriteTestAccount.ConnectionString;
        bool azureReachable = true;
        try
        {
            await AzuriteTestAccount.EnsureReachableAsync(connection);
        }
        catch (InvalidOperationException ex)
        {
            azureReachable = false;
            result.Incomplete = true;
            result.Note($"The Azure Storage backend was not measured: {ex.Message}");
        }

        var direct = new DirectImageRun(services);
        await direct.RunAsync(1, Steps, cancellationToken); // warm-up: the activities' first calls
        foreach (var backend in azureReachable ? new[] { "in-process", "azure-storage" } : ["in-process"])
        {
            string hub = "nudgebench" + Guid.NewGuid().ToString("N")[..10];
            await using ILocalDurableHost host = backend == "in-process"
                ? await InProcessDurableHost.StartAsync(services)
                : await AzureStorageDurableHost.StartAsync(new AzureStorageHostOptions { ConnectionString = connection, TaskHub = hub, DeleteTaskHubOnDispose = true }, services);
            await RunOnceAsync(host, 1, Steps, cancellationToken); // warm-up: first dispatch, queue and table creation
            var points = perBackend[backend] = [];
            foreach (int n in sizes)
            {
                // The direct run goes right before the orchestrated one, so that both see the same minute of a noisy machine.
                double directWall = await direct.RunAsync(n, Steps, cancellationToken);
                var (wall, activities) = await RunOnceAsync(host, n, Steps, cancellationToken);
                double overhead = (wall - directWall) / n;
                table.Add(backend, n, wall, wall / n, directWall / n, overhead, activities, (wall - activities) / n);
                points.Add((n, overhead, wall / n));
                context.Log($"orchestration: {backend}, {n} image(s): {wall / n:F1} ms/image orchestrated, {directWall / n:F1} ms/image direct, overhead {overhead:F1} ms/image");
            }
        }

        result.Tables.Add(table);
        if (perBackend.TryGetValue("azure-storage", out var az))
        {
            result.Verdicts.Add(new Verdict("Azure Storage backend: wall per image at 100 images", az[^1].WallPerImage, " ms"));
            result.Verdicts.Add(new Verdict("Azure Storage backend: wall per image minus the direct run's, at 100 images", az[^1].Overhead, " ms", 30, GoalKind.AtMost));
        }

        result.Verdicts.Add(new Verdict("in-process host: wall per image at 100 images", perBackend["in-process"][^1].WallPerImage, " ms"));
        result.Verdicts.Add(new Verdict("in-process host: wall per image minus the direct run's, at 100 images", perBackend["in-process"][^1].Overhead, " ms"));
        result.Note($"Each run is one GenerationOrchestrator of N images of the tiny model ({Steps} steps, so generation is short and the orchestration's own cost shows), " +
            $"at most {GenerationOrchestrator.MaxInFlight} image sub-orchestrations in flight, one generation at a time. " +
            "Direct: the same activities (generate, filter, nudge rounds when a filter fires, publish, then the manifest) called one after another in this process, no durable host, on the same store. " +
            "Overhead per image = (orchestrated wall − direct wall) / N. The last column is the older measure, wall minus the activities' own summed time, which understates the cost when activities run slower under the backend's CPU load. " +
            "Wall runs from scheduling to the client seeing completion (polled every 25 ms). The Azure Storage backend polls its queues at most every 100 ms. " +
            $"Load average at the end: {BenchmarkContext.LoadAverage()}.");
        var chart = new PerfChart("orchestration-overhead", "Orchestration overhead per image (orchestrated − direct wall)", "images per generation", "overhead per image (ms)") { LogX = true };
        foreach (var (backend, points) in perBackend)
        {
            chart.Series.Add(new ChartSeries(backend, [.. points.Select(p => (double)p.N)], [.. points.Select(p => p.Overhead)]));
        }

        result.Charts.Add(chart);
        return result;
    }

    private static async Task<(double WallMs, double ActivityMs)> RunOnceAsync(ILocalDurableHost host, int images, int steps, CancellationToken cancellationToken)
    {
        string id = "bench-" + Guid.NewGuid().ToString("N")[..12];
        var job = new GenerationJob(new GenerationRequest { Prompt = "a red circle on a blue background", Steps = steps, Count = images, Seed = 1000 });
        var sw = Stopwatch.StartNew();
        await host.ScheduleAsync(nameof(GenerationOrchestrator), id, job, cancellationToken);
        var state = await host.WaitForFinishAsync(id, TimeSpan.FromMinutes(20), pollInterval: TimeSpan.FromMilliseconds(25), cancellationToken: cancellationToken);
        double wall = sw.Elapsed.TotalMilliseconds;
        if (state.Status != DurableRunStatus.Completed || state.ReadOutput<GenerationSummary>() is not { } summary || summary.Failed > 0)
        {
            throw new InvalidOperationException($"benchmark generation {id} on {host.Backend} ended {state.Status}: {state.FailureMessage}");
        }

        return (wall, summary.ActivityMs);
    }
}
