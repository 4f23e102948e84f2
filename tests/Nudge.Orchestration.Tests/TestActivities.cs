using Microsoft.Extensions.DependencyInjection;

namespace Nudge.Orchestration.Tests;

/// <summary>Activities constructed as the hosts construct them: from a container holding the worker's services.</summary>
internal static class TestActivities
{
    public static T Create<T>(NudgeWorkerServices services)
        where T : class =>
        ActivatorUtilities.CreateInstance<T>(new ServiceCollection().AddNudgeWorker(services).BuildServiceProvider());
}
