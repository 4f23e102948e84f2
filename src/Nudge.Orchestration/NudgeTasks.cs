using Microsoft.DurableTask;
using Nudge.Orchestration.Activities;
using Nudge.Orchestration.Orchestrators;

namespace Nudge.Orchestration;

/// <summary>Every orchestrator and activity of Nudge, for registering with any durable host.</summary>
public static class NudgeTasks
{
    /// <summary>The orchestrator classes (registered under their class names).</summary>
    public static IReadOnlyList<Type> Orchestrators { get; } =
        [typeof(GenerationOrchestrator), typeof(GenerateImageOrchestrator), typeof(BatchFileOrchestrator), typeof(ModerateUploadOrchestrator)];

    /// <summary>The activity classes (registered under their class names; they take <see cref="NudgeWorkerServices"/>).</summary>
    public static IReadOnlyList<Type> Activities { get; } =
        [typeof(GenerateActivity), typeof(FilterActivity), typeof(NudgeActivity), typeof(PublishImageActivity), typeof(WriteGenerationManifestActivity), typeof(ReadBatchFileActivity), typeof(ReadBatchChunkActivity), typeof(WriteBatchChunkActivity), typeof(WriteBatchManifestActivity),
         typeof(ModerateUploadActivity), typeof(RecordModerationActivity), typeof(QuarantineUploadActivity)];

    /// <summary>Registers every orchestrator and activity.</summary>
    /// <param name="registry">The registry.</param>
    /// <returns>The registry.</returns>
    public static DurableTaskRegistry AddNudgeTasks(this DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        foreach (var t in Orchestrators)
        {
            registry.AddOrchestrator(t);
        }

        foreach (var t in Activities)
        {
            registry.AddActivity(t);
        }

        return registry;
    }
}
