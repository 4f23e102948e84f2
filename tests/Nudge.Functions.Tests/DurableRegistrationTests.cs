using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Core;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;
using Microsoft.Extensions.DependencyInjection;
using Nudge.Functions.Hosting;
using Nudge.Orchestration;

namespace Nudge.Functions.Tests;

/// <summary>The durable tasks are registered once, from <see cref="NudgeTasks"/>, and declared as functions exactly once.</summary>
public sealed class DurableRegistrationTests
{
    [Fact]
    public void Every_orchestrator_and_activity_of_the_table_is_declared_once_as_a_function_of_its_kind()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.AddNudgeDurableTasks();
        // What the app's start-up runs first: the extension start-ups the Functions SDK generates into the app assembly
        // (the Durable extension's registers the transformer that declares class-based tasks as functions).
        var executor = typeof(DurableRegistration).Assembly.GetTypes().Single(t => t.IsSubclassOf(typeof(WorkerExtensionStartup)));
        ((WorkerExtensionStartup)Activator.CreateInstance(executor)!).Configure(builder);
        using var services = builder.Services.BuildServiceProvider();
        var functions = new List<IFunctionMetadata>();
        foreach (var transformer in services.GetServices<IFunctionMetadataTransformer>())
        {
            transformer.Transform(functions);
        }

        string Trigger(IFunctionMetadata f) =>
            f.RawBindings!.Select(b => JsonDocument.Parse(b).RootElement.GetProperty("type").GetString()!).Single(t => t.EndsWith("Trigger", StringComparison.Ordinal));
        var declared = functions.Select(f => $"{Trigger(f)} {f.Name}").Order(StringComparer.Ordinal).ToArray();
        var table = NudgeTasks.Orchestrators.Select(t => $"orchestrationTrigger {t.Name}")
            .Concat(NudgeTasks.Activities.Select(t => $"activityTrigger {t.Name}"))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(table, declared);

        // The build's own metadata (the [Function] methods) declares none of them again.
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")));
        var attributed = doc.RootElement.EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToHashSet();
        Assert.DoesNotContain(functions, f => attributed.Contains(f.Name));
        Assert.Contains("StartGeneration", attributed);
    }
}
