using Microsoft.Extensions.DependencyInjection;

namespace Nudge.Orchestration.Tests;

/// <summary>Every host registers the worker the same way, and the activities take only the parts they use.</summary>
[Collection(WorkerCollection.Name)]
public sealed class NudgeWorkerRegistrationTests(WorkerFixture fx)
{
    [Fact]
    public async Task A_container_that_hands_out_the_worker_does_not_end_it_when_it_is_disposed()
    {
        var provider = new ServiceCollection().AddNudgeWorker(fx.Services).BuildServiceProvider();
        _ = provider.GetRequiredService<GenerationSlots>();
        _ = provider.GetRequiredService<NudgeWorkerServices>();
        await provider.DisposeAsync();

        // The worker's parts still work for the fixture's other users (a disposed slot or model would throw here).
        Assert.Equal(1, await fx.Services.Slots.RunAsync(() => 1));
        Assert.NotNull(await fx.Services.Guards.GetNudgingPipelineAsync());
        Assert.Equal(64, fx.Services.Pipeline.Generate(new Nudge.Engine.Generation.GenerationRequest { Prompt = "a red circle", Steps = 1, Width = 64, Height = 64 }).Width);
    }

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
