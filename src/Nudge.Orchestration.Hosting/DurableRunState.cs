using Microsoft.DurableTask.Converters;

namespace Nudge.Orchestration.Hosting;

/// <summary>
/// A snapshot of one orchestration instance: status, custom status (Nudge's <see cref="OrchestrationProgress"/>)
/// and output, serialized with the Durable Task SDK's JSON converter on both backends.
/// </summary>
/// <param name="InstanceId">The instance id.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="SerializedCustomStatus">The custom status JSON, or null.</param>
/// <param name="SerializedOutput">The output JSON, or null.</param>
/// <param name="FailureMessage">Why it failed, or null.</param>
public sealed record DurableRunState(string InstanceId, DurableRunStatus Status, string? SerializedCustomStatus, string? SerializedOutput, string? FailureMessage)
{
    /// <summary>Whether the instance has finished (completed, failed or terminated).</summary>
    public bool IsFinished => Status is DurableRunStatus.Completed or DurableRunStatus.Failed or DurableRunStatus.Terminated;

    /// <summary>The progress the orchestrator last reported, or null.</summary>
    public OrchestrationProgress? Progress =>
        SerializedCustomStatus is { Length: > 0 } s ? JsonDataConverter.Default.Deserialize<OrchestrationProgress>(s) : null;

    /// <summary>Reads the output.</summary>
    /// <typeparam name="T">The output type.</typeparam>
    /// <returns>The output, or default when there is none.</returns>
    public T? ReadOutput<T>() => SerializedOutput is { Length: > 0 } s ? JsonDataConverter.Default.Deserialize<T>(s) : default;
}
