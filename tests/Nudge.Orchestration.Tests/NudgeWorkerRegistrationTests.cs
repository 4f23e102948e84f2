using Microsoft.Extensions.DependencyInjection;

namespace Nudge.Orchestration.Tests;

/// <summary>Every host registers the worker the same way, and the activities take only the parts they use.</summary>
[Collection(WorkerCollection.Name)]
public sealed class NudgeWorkerRegistrationTests(WorkerFixture fx)
{
    [Fact]
    public void Every_activity_of_the_table_is_constructed_from_the_worker_registration_alone_and_none_takes_the_whole_worker()
    {
        using var provider = new ServiceCollection().AddNudgeWorker(fx.Services).BuildServiceProvider();
        foreach (var type in NudgeTasks.Activities)
        {
            Assert.NotNull(ActivatorUtilities.CreateInstance(provider, type));
            var takes = type.GetConstructors().Single().GetParameters().Select(p => p.ParameterType).ToList();
            Assert.DoesNotContain(typeof(NudgeWorkerServices), takes);
        }

        Assert.Same(fx.Services.Guards, provider.GetRequiredService<GuardIndices>());
        Assert.Same(fx.Services.Slots, provider.GetRequiredService<GenerationSlots>());
        Assert.Same(fx.Services.Store, provider.GetRequiredService<Nudge.Storage.IObjectStore>());
    }
}
