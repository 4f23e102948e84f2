using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Nudge.Mitigation.Moderation;
using Nudge.Mitigation.Pipeline;
using Nudge.Storage;

namespace Nudge.Orchestration;

/// <summary>Registers a worker's services, so that every host constructs the activities the same way.</summary>
public static class NudgeWorkerRegistration
{
    /// <summary>Registers <paramref name="worker"/> and the parts the activities take.</summary>
    /// <param name="services">The container.</param>
    /// <param name="worker">The worker's services.</param>
    /// <returns>The container.</returns>
    public static IServiceCollection AddNudgeWorker(this IServiceCollection services, NudgeWorkerServices worker)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(worker);
        // An instance: the container does not dispose what it did not create; the caller owns the worker.
        services.TryAddSingleton(worker);
        return services.AddNudgeWorker(_ => worker);
    }

    /// <summary>
    /// Registers the worker's services made by <paramref name="create"/> (once, on first use; the container owns and
    /// disposes them) and the parts the activities take, none of which the container disposes (none is disposable).
    /// </summary>
    /// <param name="services">The container.</param>
    /// <param name="create">Makes the worker's services.</param>
    /// <returns>The container.</returns>
    public static IServiceCollection AddNudgeWorker(this IServiceCollection services, Func<IServiceProvider, NudgeWorkerServices> create)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(create);
        services.TryAddSingleton(sp => sp.GetRequiredService<NudgeWorkerServices>().Slots);
        services.TryAddSingleton(sp => sp.GetRequiredService<NudgeWorkerServices>().Guards);
        services.TryAddSingleton(sp => sp.GetRequiredService<NudgeWorkerServices>().Policy);
        services.TryAddSingleton(sp => sp.GetRequiredService<NudgeWorkerServices>().Moderation);
        services.TryAddSingleton<IObjectStore>(sp => sp.GetRequiredService<NudgeWorkerServices>().Store);
        services.TryAddSingleton(sp => new ActivityLog(sp.GetRequiredService<NudgeWorkerServices>().Logger));
        return services;
    }
}
