using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Nudge.Engine.Generation;
using Nudge.Mitigation.Pipeline;
using Nudge.Orchestration;
using Nudge.Orchestration.Activities;

namespace Nudge.Benchmarks.Comparisons;

/// <summary>
/// The baseline of <see cref="OrchestrationComparison"/>: a generation's activities called one after another in this
/// process, with no durable host, in the order the image orchestrator calls them (generate, filter, a nudge round and
/// a filter while a filter fires, publish; then the manifest).
/// </summary>
internal sealed class DirectImageRun(NudgeWorkerServices services)
{
    private readonly GenerateActivity _generate = new(services.Store, services.Guards, services.Slots, new ActivityLog(NullLogger.Instance));
    private readonly FilterActivity _filter = new(services.Store, services.Guards, services.Slots, new ActivityLog(NullLogger.Instance));
    private readonly NudgeActivity _nudge = new(services.Store, services.Guards, services.Slots, new ActivityLog(NullLogger.Instance));
    private readonly PublishImageActivity _publish = new(services.Store, services.Guards);
    private readonly WriteGenerationManifestActivity _manifest = new(services.Store);

    /// <summary>Makes <paramref name="images"/> images of the benchmark prompt under a fresh run id.</summary>
    /// <param name="images">Images to make.</param>
    /// <param name="steps">Denoising steps each.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>Wall milliseconds.</returns>
    public async Task<double> RunAsync(int images, int steps, CancellationToken cancellationToken)
    {
        string runId = "direct-" + Guid.NewGuid().ToString("N")[..12];
        var job = new GenerationJob(new GenerationRequest { Prompt = "a red circle on a blue background", Steps = steps, Count = images, Seed = 1000 });
        var sw = Stopwatch.StartNew();
        var results = new List<ImageResult>();
        foreach (ImageWorkItem item in job.Expand(runId))
        {
            await _generate.ExecuteAsync(item, cancellationToken);
            FilterStep filtered = await _filter.ExecuteAsync(new FilterWork(item, 0, []), cancellationToken);
            int rounds = 0;
            while (filtered.Decision.NextRound is int round)
            {
                await _nudge.ExecuteAsync(new NudgeWork(item, round, filtered.Decision.Matched), cancellationToken);
                rounds = round + 1;
                filtered = await _filter.ExecuteAsync(new FilterWork(item, rounds, filtered.Decision.Matched), cancellationToken);
            }

            ImageOutcome outcome = filtered.Decision.Outcome ?? throw new InvalidOperationException("The filter step ended without an outcome.");
            results.Add(await _publish.ExecuteAsync(new PublishWork(item, rounds, outcome, filtered.Decision.Matched), cancellationToken));
        }

        await _manifest.ExecuteAsync(new GenerationSummary(runId, results.Count, results.Count, 0, results, OutputNames.GenerationManifest(runId), results.Sum(r => r.ActivityMs)), cancellationToken);
        return sw.Elapsed.TotalMilliseconds;
    }
}
