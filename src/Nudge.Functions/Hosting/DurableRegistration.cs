using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Worker;
using Nudge.Orchestration;

namespace Nudge.Functions.Hosting;

/// <summary>
/// The one registration path of the durable tasks: <see cref="NudgeTasks"/>, the table every host uses. The Durable
/// extension declares each registered class as an orchestration or activity function (its metadata transformer) and
/// constructs it with its services from the container, so the app has no hand-written wrapper functions.
/// </summary>
public static class DurableRegistration
{
    /// <summary>Registers every orchestrator and activity of <see cref="NudgeTasks"/> with the Functions worker.</summary>
    /// <param name="builder">The worker's builder.</param>
    /// <returns>The builder.</returns>
    public static IFunctionsWorkerApplicationBuilder AddNudgeDurableTasks(this IFunctionsWorkerApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ConfigureDurableWorker().AddTasks(tasks => tasks.AddNudgeTasks());
        return builder;
    }
}
