using Microsoft.DurableTask;

namespace Nudge.Orchestration.Orchestrators;

/// <summary>Bounded fan-out for orchestrators: at most N tasks in flight, results in input order. Deterministic.</summary>
internal static class FanOut
{
    /// <summary>Starts <paramref name="start"/> for each item, keeping at most <paramref name="maxInFlight"/> running.</summary>
    /// <param name="items">The items.</param>
    /// <param name="maxInFlight">Most tasks in flight.</param>
    /// <param name="start">Starts the durable task of one item (a sub-orchestration or an activity).</param>
    /// <param name="completed">Called (in completion order) as each finishes, with the count done so far.</param>
    /// <returns>The results, in item order.</returns>
    public static async Task<TResult[]> RunAsync<TItem, TResult>(IReadOnlyList<TItem> items, int maxInFlight, Func<TItem, Task<TResult>> start, Action<TResult, int> completed)
    {
        var results = new TResult[items.Count];
        var inFlight = new Dictionary<Task<TResult>, int>();
        int next = 0, done = 0;
        while (done < items.Count)
        {
            while (next < items.Count && inFlight.Count < maxInFlight)
            {
                inFlight.Add(start(items[next]), next);
                next++;
            }

            var finished = await Task.WhenAny(inFlight.Keys);
            int index = inFlight[finished];
            inFlight.Remove(finished);
            results[index] = await finished;
            done++;
            completed(results[index], done);
        }

        return results;
    }
}
