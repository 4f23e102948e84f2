using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using CoreDataConverter = DurableTask.Core.Serializing.DataConverter;
using SdkJsonDataConverter = Microsoft.DurableTask.Converters.JsonDataConverter;

namespace Nudge.Orchestration.Hosting;

/// <summary>
/// The same orchestrator and activity classes on the Durable Task Framework's Azure Storage backend (queues,
/// tables and blobs; the backend Durable Functions uses by default): a <see cref="TaskHubWorker"/> over
/// <see cref="AzureStorageOrchestrationService"/> whose orchestrations and activities are made by the SDK's
/// <see cref="DurableTaskShimFactory"/>, and a <see cref="TaskHubClient"/> using the SDK's JSON converter, so
/// payloads serialize exactly as they do in the Functions host. State lives in storage: a run survives a
/// storage outage and a restart of this process.
/// </summary>
public sealed class AzureStorageDurableHost : ILocalDurableHost
{
    private readonly AzureStorageOrchestrationService _service;
    private readonly TaskHubWorker _worker;
    private readonly bool _deleteOnDispose;
    private readonly TimeSpan _stopTimeout;
    private readonly ILogger _logger;

    private AzureStorageDurableHost(AzureStorageOrchestrationService service, TaskHubWorker worker, TaskHubClient client, string taskHub, bool deleteOnDispose, TimeSpan stopTimeout, ILogger logger)
    {
        _stopTimeout = stopTimeout;
        _logger = logger;
        _service = service;
        _worker = worker;
        Client = client;
        DurableClient = new TaskHubDurableClient(client, service);
        TaskHub = taskHub;
        _deleteOnDispose = deleteOnDispose;
    }

    /// <inheritdoc/>
    public string Backend => "azure-storage";

    /// <summary>The framework client, for callers that need more than <see cref="ILocalDurableHost"/>.</summary>
    public TaskHubClient Client { get; }

    /// <inheritdoc/>
    public Microsoft.DurableTask.Client.DurableTaskClient DurableClient { get; }

    /// <summary>The task hub name.</summary>
    public string TaskHub { get; }

    /// <summary>Creates the task hub if needed and starts a worker with every Nudge task registered.</summary>
    /// <param name="options">Connection and task hub.</param>
    /// <param name="services">Resolves <see cref="NudgeWorkerServices"/> for the activities.</param>
    /// <param name="loggerFactory">Logging, or null for none.</param>
    /// <returns>The running host.</returns>
    public static async Task<AzureStorageDurableHost> StartAsync(AzureStorageHostOptions options, IServiceProvider services, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        options.Validate();
        var logs = loggerFactory ?? NullLoggerFactory.Instance;
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(options.ConnectionString),
            TaskHubName = options.TaskHub,
            PartitionCount = options.PartitionCount,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            LoggerFactory = logs,
        };
        if (options.QueueVisibilityTimeout is { } visibility)
        {
            settings.ControlQueueVisibilityTimeout = visibility;
            settings.WorkItemQueueVisibilityTimeout = visibility;
        }

        var service = new AzureStorageOrchestrationService(settings);
        await service.CreateIfNotExistsAsync();

        var shims = new DurableTaskShimFactory();
        var worker = new TaskHubWorker(service, logs)
        {
            // The SDK's shims read TaskFailureDetails (retry handlers, TaskFailedException.FailureDetails).
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };
        foreach (var type in NudgeTasks.Orchestrators)
        {
            worker.AddTaskOrchestrations(new Creator<TaskOrchestration>(type.Name,
                () => shims.CreateOrchestration(type.Name, (ITaskOrchestrator)ActivatorUtilities.CreateInstance(services, type))));
        }

        foreach (var type in NudgeTasks.Activities)
        {
            worker.AddTaskActivities(new Creator<TaskActivity>(type.Name,
                () => shims.CreateActivity(type.Name, (ITaskActivity)ActivatorUtilities.CreateInstance(services, type))));
        }

        await worker.StartAsync();
        var client = new TaskHubClient(service, new SdkConverter(), logs);
        return new AzureStorageDurableHost(service, worker, client, options.TaskHub, options.DeleteTaskHubOnDispose, options.StopTimeout,
            logs.CreateLogger<AzureStorageDurableHost>());
    }

    /// <summary>As <see cref="StartAsync(AzureStorageHostOptions, IServiceProvider, ILoggerFactory?)"/> with only the worker services registered.</summary>
    /// <param name="options">Connection and task hub.</param>
    /// <param name="services">The worker services.</param>
    /// <param name="loggerFactory">Logging, or null for none.</param>
    /// <returns>The running host.</returns>
    public static Task<AzureStorageDurableHost> StartAsync(AzureStorageHostOptions options, NudgeWorkerServices services, ILoggerFactory? loggerFactory = null) =>
        StartAsync(options, new ServiceCollection().AddNudgeWorker(services).BuildServiceProvider(), loggerFactory);

    /// <inheritdoc/>
    public Task ScheduleAsync(string orchestrator, string instanceId, object input, CancellationToken cancellationToken = default) =>
        Client.CreateOrchestrationInstanceAsync(orchestrator, "", instanceId, input);

    /// <inheritdoc/>
    public async Task<DurableRunState> GetStateAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var state = await Client.GetOrchestrationStateAsync(instanceId);
        if (state is null)
        {
            return new DurableRunState(instanceId, DurableRunStatus.Unknown, null, null, null);
        }

        var status = state.OrchestrationStatus switch
        {
            OrchestrationStatus.Pending => DurableRunStatus.Pending,
            OrchestrationStatus.Running or OrchestrationStatus.ContinuedAsNew => DurableRunStatus.Running,
            OrchestrationStatus.Completed => DurableRunStatus.Completed,
            OrchestrationStatus.Failed => DurableRunStatus.Failed,
            OrchestrationStatus.Terminated or OrchestrationStatus.Canceled => DurableRunStatus.Terminated,
            OrchestrationStatus.Suspended => DurableRunStatus.Suspended,
            _ => DurableRunStatus.Running,
        };
        string? failure = status == DurableRunStatus.Failed ? state.FailureDetails?.ErrorMessage ?? state.Output : null;
        return new DurableRunState(instanceId, status, state.Status, status == DurableRunStatus.Completed ? state.Output : null, failure);
    }

    /// <summary>Starts an orchestration by class name with an SDK-serialized input.</summary>
    /// <param name="orchestrator">The orchestrator class name.</param>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="input">The input.</param>
    /// <returns>The instance.</returns>
    public Task<OrchestrationInstance> StartAsync(string orchestrator, string instanceId, object input) =>
        Client.CreateOrchestrationInstanceAsync(orchestrator, "", instanceId, input);

    /// <summary>Waits for completion and reads the output with the SDK converter.</summary>
    /// <typeparam name="T">The output type.</typeparam>
    /// <param name="instance">The instance.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>The final state and the output (default unless completed).</returns>
    /// <exception cref="TimeoutException">It did not finish in time.</exception>
    public async Task<(OrchestrationState State, T? Output)> WaitAsync<T>(OrchestrationInstance instance, TimeSpan timeout)
    {
        var state = await Client.WaitForOrchestrationAsync(instance, timeout)
            ?? throw new TimeoutException($"{instance.InstanceId} did not finish within {timeout}");
        var output = state.OrchestrationStatus == OrchestrationStatus.Completed && state.Output is { } o ? SdkJsonDataConverter.Default.Deserialize<T>(o) : default;
        return (state, output);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        var stop = _worker.StopAsync(isForced: true);
        if (await Task.WhenAny(stop, Task.Delay(_stopTimeout)) != stop)
        {
            _logger.LogWarning("The Azure Storage worker for task hub {TaskHub} did not stop within {Timeout}; leaving it to finish in the background", TaskHub, _stopTimeout);
            return;
        }

        await stop;
        if (_deleteOnDispose)
        {
            await _service.DeleteAsync();
        }
    }

    private sealed class Creator<T> : ObjectCreator<T>
    {
        private readonly Func<T> _create;

        public Creator(string name, Func<T> create)
        {
            Name = name;
            Version = "";
            _create = create;
        }

        public override T Create() => _create();
    }

    /// <summary>The SDK's System.Text.Json converter seen as a Durable Task Core converter (client side).</summary>
    private sealed class SdkConverter : CoreDataConverter
    {
        public override string Serialize(object value) => SdkJsonDataConverter.Default.Serialize(value)!;

        public override string Serialize(object value, bool formatted) => Serialize(value);

        public override object Deserialize(string data, Type objectType) => SdkJsonDataConverter.Default.Deserialize(data, objectType)!;
    }
}
