using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using CoreDataConverter = DurableTask.Core.Serializing.DataConverter;
using SdkJsonDataConverter = Microsoft.DurableTask.Converters.JsonDataConverter;

namespace Nudge.Orchestration.Tests;

/// <summary>
/// The same orchestrator and activity classes on the Durable Task Framework's Azure Storage backend: a
/// <see cref="TaskHubWorker"/> over <see cref="AzureStorageOrchestrationService"/> whose orchestrations and activities
/// are made by <see cref="DurableTaskShimFactory"/>, and a <see cref="TaskHubClient"/> using the SDK's JSON converter.
/// </summary>
internal sealed class AzureStorageDurableHost : IAsyncDisposable
{
    private readonly AzureStorageOrchestrationService _service;
    private readonly TaskHubWorker _worker;

    private AzureStorageDurableHost(AzureStorageOrchestrationService service, TaskHubWorker worker, TaskHubClient client, string taskHub)
    {
        _service = service;
        _worker = worker;
        Client = client;
        TaskHub = taskHub;
    }

    public TaskHubClient Client { get; }

    public string TaskHub { get; }

    public static async Task<AzureStorageDurableHost> StartAsync(string connectionString, string taskHub, IServiceProvider services)
    {
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            TaskHubName = taskHub,
            PartitionCount = 1,
            MaxQueuePollingInterval = TimeSpan.FromMilliseconds(500),
            LoggerFactory = NullLoggerFactory.Instance,
        };
        var service = new AzureStorageOrchestrationService(settings);
        await service.CreateIfNotExistsAsync();

        var shims = new DurableTaskShimFactory();
        var worker = new TaskHubWorker(service, NullLoggerFactory.Instance)
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
        var client = new TaskHubClient(service, new SdkConverter(), NullLoggerFactory.Instance);
        return new AzureStorageDurableHost(service, worker, client, taskHub);
    }

    /// <summary>Starts an orchestration by class name with an SDK-serialized input.</summary>
    public Task<OrchestrationInstance> StartAsync(string orchestrator, string instanceId, object input) =>
        Client.CreateOrchestrationInstanceAsync(orchestrator, "", instanceId, input);

    /// <summary>Waits for completion and reads the output with the SDK converter.</summary>
    public async Task<(OrchestrationState State, T? Output)> WaitAsync<T>(OrchestrationInstance instance, TimeSpan timeout)
    {
        var state = await Client.WaitForOrchestrationAsync(instance, timeout)
            ?? throw new TimeoutException($"{instance.InstanceId} did not finish within {timeout}");
        var output = state.OrchestrationStatus == OrchestrationStatus.Completed && state.Output is { } o ? SdkJsonDataConverter.Default.Deserialize<T>(o) : default;
        return (state, output);
    }

    public async ValueTask DisposeAsync()
    {
        await _worker.StopAsync(isForced: true);
        await _service.DeleteAsync();
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
