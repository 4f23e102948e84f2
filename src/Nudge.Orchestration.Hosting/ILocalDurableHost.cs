namespace Nudge.Orchestration.Hosting;

/// <summary>
/// A durable backend running every Nudge orchestrator and activity in this process: what the CLI and the
/// benchmarks use instead of the Functions host.
/// </summary>
public interface ILocalDurableHost : IAsyncDisposable
{
    /// <summary>The backend's name, for logs and reports (<c>in-process</c>, <c>azure-storage</c>).</summary>
    string Backend { get; }

    /// <summary>The SDK client for this backend: what the HTTP handlers take.</summary>
    Microsoft.DurableTask.Client.DurableTaskClient DurableClient { get; }

    /// <summary>Schedules an orchestration by class name. Scheduling an id that already exists fails on both backends.</summary>
    /// <param name="orchestrator">The orchestrator class name.</param>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="input">The input (serialized with the SDK's JSON converter).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes once scheduled.</returns>
    Task ScheduleAsync(string orchestrator, string instanceId, object input, CancellationToken cancellationToken = default);

    /// <summary>Reads an instance's state.</summary>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The state (<see cref="DurableRunStatus.Unknown"/> when there is no such instance).</returns>
    Task<DurableRunState> GetStateAsync(string instanceId, CancellationToken cancellationToken = default);
}
