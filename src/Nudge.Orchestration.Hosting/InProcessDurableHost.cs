using System.Net;
using System.Net.Sockets;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Nudge.Orchestration.Hosting;

/// <summary>
/// The Durable Task SDK's in-process host (an in-memory backend behind the real gRPC worker and client): the same
/// orchestrator and activity classes the Functions app registers, with no storage. State is lost with the process;
/// Nudge's activities write deterministic blob names with write-if-absent, so a rerun reuses finished outputs.
/// </summary>
public sealed class InProcessDurableHost : ILocalDurableHost
{
    private readonly DurableTaskTestHost _host;

    private InProcessDurableHost(DurableTaskTestHost host) => _host = host;

    // The SDK otherwise picks a random port in 30000-40000 without checking it: that range overlaps Linux's ephemeral
    // ports and other processes' hosts (the likely, unproven cause of one CLI batch failure under a parallel test
    // run). The kernel hands out a port nothing is listening on.
    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <inheritdoc/>
    public string Backend => "in-process";

    /// <summary>The SDK client, for callers that need more than <see cref="ILocalDurableHost"/>.</summary>
    public DurableTaskClient Client => _host.Client;

    /// <inheritdoc/>
    public DurableTaskClient DurableClient => _host.Client;

    /// <summary>Starts the host with every Nudge task registered.</summary>
    /// <param name="services">The worker services the activities use.</param>
    /// <param name="loggerFactory">Logging, or null for none.</param>
    /// <returns>The running host.</returns>
    public static async Task<InProcessDurableHost> StartAsync(NudgeWorkerServices services, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddNudgeTasks(),
            new DurableTaskTestHostOptions { Port = FreeLoopbackPort(), ConfigureServices = s => s.AddNudgeWorker(services), LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance });
        return new InProcessDurableHost(host);
    }

    /// <inheritdoc/>
    public Task ScheduleAsync(string orchestrator, string instanceId, object input, CancellationToken cancellationToken = default) =>
        _host.Client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input, new StartOrchestrationOptions { InstanceId = instanceId }, cancellationToken);

    /// <inheritdoc/>
    public async Task<DurableRunState> GetStateAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var meta = await _host.Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, cancellationToken);
        if (meta is null)
        {
            return new DurableRunState(instanceId, DurableRunStatus.Unknown, null, null, null);
        }

        var status = meta.RuntimeStatus switch
        {
            OrchestrationRuntimeStatus.Pending => DurableRunStatus.Pending,
            OrchestrationRuntimeStatus.Running => DurableRunStatus.Running,
            OrchestrationRuntimeStatus.Completed => DurableRunStatus.Completed,
            OrchestrationRuntimeStatus.Failed => DurableRunStatus.Failed,
            OrchestrationRuntimeStatus.Terminated => DurableRunStatus.Terminated,
            OrchestrationRuntimeStatus.Suspended => DurableRunStatus.Suspended,
            _ => DurableRunStatus.Running,
        };
        return new DurableRunState(instanceId, status, meta.SerializedCustomStatus, meta.SerializedOutput, meta.FailureDetails?.ErrorMessage);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
