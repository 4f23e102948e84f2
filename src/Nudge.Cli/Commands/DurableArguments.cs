using Nudge.Cli.Console;
using Nudge.Orchestration;
using Nudge.Orchestration.Hosting;

namespace Nudge.Cli.Commands;

/// <summary>
/// The shared <c>--durable-storage CONN [--task-hub NAME]</c> options of <c>batch</c> and <c>serve</c>: the in-process
/// Durable host by default, the Durable Task Framework's Azure Storage backend with a connection string.
/// </summary>
internal static class DurableArguments
{
    /// <summary>The Azure Storage backend's options, or null for the in-process host; a bad task hub is a usage error.</summary>
    public static AzureStorageHostOptions? Read(Arguments args, string defaultTaskHub)
    {
        var connection = args.String("durable-storage");
        var options = connection is null ? null : new AzureStorageHostOptions { ConnectionString = connection, TaskHub = args.String("task-hub") ?? defaultTaskHub };
        try
        {
            options?.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }

        return options;
    }

    /// <summary>Starts the chosen backend with every Nudge task registered.</summary>
    public static async Task<ILocalDurableHost> StartAsync(AzureStorageHostOptions? options, NudgeWorkerServices services)
    {
        // The in-process host runs an ASP.NET Core gRPC sidecar whose default console logger writes every request
        // to stdout; its configuration reads environment variables, so keep it to warnings unless asked.
        if (Environment.GetEnvironmentVariable("Logging__LogLevel__Default") is null)
        {
            Environment.SetEnvironmentVariable("Logging__LogLevel__Default", Environment.GetEnvironmentVariable("NUDGE_VERBOSE") == "1" ? "Information" : "Warning");
        }

        return options is null
            ? await InProcessDurableHost.StartAsync(services, CliLog.Factory)
            : await AzureStorageDurableHost.StartAsync(options, services, CliLog.Factory);
    }
}
