using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Nudge.Orchestration;
using Nudge.Orchestration.Activities;
using Nudge.Orchestration.Orchestrators;

namespace Nudge.Functions.Triggers;

/// <summary>
/// The orchestrator and activity functions: each one runs the class of the same name from Nudge.Orchestration,
/// so the Functions host, the in-process test host and the Azure Storage backend all run the same code.
/// </summary>
public sealed class DurableTasks(NudgeWorkerServices services)
{
    /// <summary>Runs <see cref="GenerationOrchestrator"/>.</summary>
    /// <param name="context">The orchestration context.</param>
    /// <param name="input">The job.</param>
    /// <returns>The summary.</returns>
    [Function(nameof(GenerationOrchestrator))]
    public static Task<GenerationSummary> Generation([OrchestrationTrigger] TaskOrchestrationContext context, GenerationJob input) =>
        new GenerationOrchestrator().RunAsync(context, input);

    /// <summary>Runs <see cref="GenerateImageOrchestrator"/>.</summary>
    /// <param name="context">The orchestration context.</param>
    /// <param name="input">The image.</param>
    /// <returns>The result.</returns>
    [Function(nameof(GenerateImageOrchestrator))]
    public static Task<ImageResult> GenerateImage([OrchestrationTrigger] TaskOrchestrationContext context, ImageWorkItem input) =>
        new GenerateImageOrchestrator().RunAsync(context, input);

    /// <summary>Runs <see cref="BatchFileOrchestrator"/>.</summary>
    /// <param name="context">The orchestration context.</param>
    /// <param name="input">The batch file.</param>
    /// <returns>The summary.</returns>
    [Function(nameof(BatchFileOrchestrator))]
    public static Task<BatchSummary> BatchFile([OrchestrationTrigger] TaskOrchestrationContext context, BatchInput input) =>
        new BatchFileOrchestrator().RunAsync(context, input);

    /// <summary>Runs <see cref="ModerateUploadOrchestrator"/>.</summary>
    /// <param name="context">The orchestration context.</param>
    /// <param name="input">The upload.</param>
    /// <returns>The outcome.</returns>
    [Function(nameof(ModerateUploadOrchestrator))]
    public static Task<ModerationOutcome> ModerateUpload([OrchestrationTrigger] TaskOrchestrationContext context, ModerationInput input) =>
        new ModerateUploadOrchestrator().RunAsync(context, input);

    /// <summary>Runs <see cref="GenerateActivity"/>.</summary>
    /// <param name="input">The image.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The stored first pass.</returns>
    [Function(nameof(GenerateActivity))]
    public Task<StepResult> GenerateActivity([ActivityTrigger] ImageWorkItem input, CancellationToken cancellationToken) =>
        new GenerateActivity(services).ExecuteAsync(input, cancellationToken);

    /// <summary>Runs <see cref="FilterActivity"/>.</summary>
    /// <param name="input">What to judge.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The report and the decision.</returns>
    [Function(nameof(FilterActivity))]
    public Task<FilterStep> FilterActivity([ActivityTrigger] FilterWork input, CancellationToken cancellationToken) =>
        new FilterActivity(services).ExecuteAsync(input, cancellationToken);

    /// <summary>Runs <see cref="NudgeActivity"/>.</summary>
    /// <param name="input">The round.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The stored round.</returns>
    [Function(nameof(NudgeActivity))]
    public Task<StepResult> NudgeActivity([ActivityTrigger] NudgeWork input, CancellationToken cancellationToken) =>
        new NudgeActivity(services).ExecuteAsync(input, cancellationToken);

    /// <summary>Runs <see cref="PublishImageActivity"/>.</summary>
    /// <param name="input">The image and its outcome.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The result.</returns>
    [Function(nameof(PublishImageActivity))]
    public Task<ImageResult> PublishImageActivity([ActivityTrigger] PublishWork input, CancellationToken cancellationToken) =>
        new PublishImageActivity(services).ExecuteAsync(input, cancellationToken);

    /// <summary>Runs <see cref="WriteGenerationManifestActivity"/>.</summary>
    /// <param name="input">The summary.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The manifest reference.</returns>
    [Function(nameof(WriteGenerationManifestActivity))]
    public Task<BlobRef> WriteGenerationManifestActivity([ActivityTrigger] GenerationSummary input, CancellationToken cancellationToken) =>
        new WriteGenerationManifestActivity(services).ExecuteAsync(input, cancellationToken);

    /// <summary>Runs <see cref="ReadBatchFileActivity"/>.</summary>
    /// <param name="input">The batch file.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The plan.</returns>
    [Function(nameof(ReadBatchFileActivity))]
    public Task<BatchPlan> ReadBatchFileActivity([ActivityTrigger] BatchInput input, CancellationToken cancellationToken) =>
        new ReadBatchFileActivity(services).ExecuteAsync(input, cancellationToken);

    /// <summary>Runs <see cref="WriteBatchManifestActivity"/>.</summary>
    /// <param name="input">The summary.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The manifest reference.</returns>
    [Function(nameof(WriteBatchManifestActivity))]
    public Task<BlobRef> WriteBatchManifestActivity([ActivityTrigger] BatchSummary input, CancellationToken cancellationToken) =>
        new WriteBatchManifestActivity(services).ExecuteAsync(input, cancellationToken);

    /// <summary>Runs <see cref="ModerateUploadActivity"/>.</summary>
    /// <param name="input">The upload.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The verdict.</returns>
    [Function(nameof(ModerateUploadActivity))]
    public Task<ModerationRecord> ModerateUploadActivity([ActivityTrigger] ModerationInput input, CancellationToken cancellationToken) =>
        new ModerateUploadActivity(services).ExecuteAsync(input, cancellationToken);

    /// <summary>Runs <see cref="RecordModerationActivity"/>.</summary>
    /// <param name="input">The verdict.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The verdict JSON's reference.</returns>
    [Function(nameof(RecordModerationActivity))]
    public Task<BlobRef> RecordModerationActivity([ActivityTrigger] ModerationRecord input, CancellationToken cancellationToken) =>
        new RecordModerationActivity(services).ExecuteAsync(input, cancellationToken);

    /// <summary>Runs <see cref="QuarantineUploadActivity"/>.</summary>
    /// <param name="input">The verdict.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What was done.</returns>
    [Function(nameof(QuarantineUploadActivity))]
    public Task<QuarantineResult> QuarantineUploadActivity([ActivityTrigger] ModerationRecord input, CancellationToken cancellationToken) =>
        new QuarantineUploadActivity(services).ExecuteAsync(input, cancellationToken);
}
