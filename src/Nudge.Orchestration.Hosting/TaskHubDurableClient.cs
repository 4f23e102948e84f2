using DurableTask.AzureStorage;
using DurableTask.AzureStorage.Tracking;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using SdkJsonDataConverter = Microsoft.DurableTask.Converters.JsonDataConverter;

namespace Nudge.Orchestration.Hosting;

/// <summary>
/// The SDK's <see cref="DurableTaskClient"/> over the Durable Task Framework's <see cref="TaskHubClient"/> on the
/// Azure Storage backend, so the HTTP handlers (<c>nudge serve</c>) run unchanged on that backend. It implements
/// what the handlers use (schedule without a version or start time, read, terminate, raise, suspend, resume); the rest throws <see cref="NotSupportedException"/>
/// naming the call.
/// </summary>
/// <remarks>
/// A recursive terminate also terminates the running instances whose ids extend the parent's with <c>-</c>: this
/// app names sub-orchestrations that way (<see cref="OutputNames.ImageInstance"/>, <see cref="OutputNames.BatchLineInstance"/>),
/// and the framework keeps no parent-to-child index to ask instead.
/// </remarks>
public sealed class TaskHubDurableClient : DurableTaskClient
{
    private readonly TaskHubClient _client;
    private readonly AzureStorageOrchestrationService _service;

    /// <summary>Creates the client.</summary>
    /// <param name="client">The framework client (with the SDK's JSON converter).</param>
    /// <param name="service">The backend, for queries by id prefix.</param>
    public TaskHubDurableClient(TaskHubClient client, AzureStorageOrchestrationService service)
        : base("azure-storage")
    {
        _client = client;
        _service = service;
    }

    /// <inheritdoc/>
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        if (options?.StartAt is not null)
        {
            throw Unsupported("scheduling a start time");
        }

        string id = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        var instance = await _client.CreateOrchestrationInstanceAsync(orchestratorName.Name, "", id, input);
        return instance.InstanceId;
    }

    /// <inheritdoc/>
    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        var state = await _client.GetOrchestrationStateAsync(instanceId);
        return state is null ? null : ToMetadata(state, getInputsAndOutputs);
    }

    /// <inheritdoc/>
    public override async Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        string reason = options?.Output is null ? "" : SdkJsonDataConverter.Default.Serialize(options.Output) ?? "";
        await _client.TerminateInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, reason);
        if (options?.Recursive != true)
        {
            return;
        }

        string? token = null;
        do
        {
            var page = await _service.GetOrchestrationStateAsync(
                new OrchestrationInstanceStatusQueryCondition { InstanceIdPrefix = instanceId + "-", RuntimeStatus = [OrchestrationStatus.Pending, OrchestrationStatus.Running] },
                100, token, cancellation);
            foreach (var child in page.OrchestrationState)
            {
                await _client.TerminateInstanceAsync(child.OrchestrationInstance, reason);
            }

            token = page.ContinuationToken;
        }
        while (!string.IsNullOrEmpty(token));
    }

    /// <inheritdoc/>
    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) =>
        _client.RaiseEventAsync(new OrchestrationInstance { InstanceId = instanceId }, eventName, eventPayload!);

    /// <inheritdoc/>
    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        PollAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellation);

    /// <inheritdoc/>
    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        PollAsync(instanceId, getInputsAndOutputs, m => m.IsCompleted, cancellation);

    /// <inheritdoc/>
    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        _client.SuspendInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, reason);

    /// <inheritdoc/>
    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        _client.ResumeInstanceAsync(new OrchestrationInstance { InstanceId = instanceId }, reason);

    /// <inheritdoc/>
    public override Microsoft.DurableTask.AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) => throw Unsupported(nameof(GetAllInstancesAsync));

    /// <inheritdoc/>
    public override Task<Microsoft.DurableTask.Client.PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) => throw Unsupported(nameof(PurgeInstanceAsync));

    /// <inheritdoc/>
    public override Task<Microsoft.DurableTask.Client.PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) => throw Unsupported(nameof(PurgeAllInstancesAsync));

    /// <inheritdoc/>
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    // The framework client's own waits block on its polling without the SDK's cancellation; poll the state instead.
    private async Task<OrchestrationMetadata> PollAsync(string instanceId, bool getInputsAndOutputs, Func<OrchestrationMetadata, bool> done, CancellationToken cancellation)
    {
        while (true)
        {
            if (await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation) is { } meta && done(meta))
            {
                return meta;
            }

            await Task.Delay(100, cancellation);
        }
    }

    private static OrchestrationMetadata ToMetadata(OrchestrationState state, bool withPayloads) =>
        new(state.Name, state.OrchestrationInstance.InstanceId)
        {
            RuntimeStatus = state.OrchestrationStatus switch
            {
                OrchestrationStatus.Pending => OrchestrationRuntimeStatus.Pending,
                OrchestrationStatus.Completed => OrchestrationRuntimeStatus.Completed,
                OrchestrationStatus.Failed => OrchestrationRuntimeStatus.Failed,
                OrchestrationStatus.Terminated or OrchestrationStatus.Canceled => OrchestrationRuntimeStatus.Terminated,
                OrchestrationStatus.Suspended => OrchestrationRuntimeStatus.Suspended,
                _ => OrchestrationRuntimeStatus.Running,
            },
            CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.CreatedTime, DateTimeKind.Utc)),
            LastUpdatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc)),
            SerializedInput = withPayloads ? state.Input : null,
            SerializedOutput = withPayloads && state.OrchestrationStatus == OrchestrationStatus.Completed ? state.Output : null,
            SerializedCustomStatus = state.Status,
            FailureDetails = state.FailureDetails is { } f ? new TaskFailureDetails(f.ErrorType, f.ErrorMessage, f.StackTrace, null, null) : null,
            DataConverter = SdkJsonDataConverter.Default,
        };

    private static NotSupportedException Unsupported(string what) =>
        new($"{what} is not available on the Azure Storage backend's client adapter (TaskHubDurableClient); the HTTP API does not use it.");
}
