using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Nudge.Functions.Api;
using Nudge.Functions.Triggers;
using Nudge.Orchestration;

namespace Nudge.Functions.Tests;

public sealed class TriggerShapeTests
{
    private static IEnumerable<(MethodInfo Method, HttpTriggerAttribute Trigger)> HttpFunctions() =>
        typeof(GenerationTriggers).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Where(m => m.GetCustomAttribute<FunctionAttribute>() is not null)
            .SelectMany(m => m.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>().Select(a => (m, a)));

    [Fact]
    public void Editing_an_index_takes_the_admin_key_and_every_other_route_a_function_key()
    {
        var levels = HttpFunctions().ToDictionary(f => f.Method.GetCustomAttribute<FunctionAttribute>()!.Name, f => (f.Trigger.AuthLevel, string.Join(",", f.Trigger.Methods!)));

        Assert.Equal((AuthorizationLevel.Admin, "post,delete"), levels["EditIndexEntries"]);
        Assert.All(levels.Where(l => l.Key != "EditIndexEntries"), l => Assert.Equal(AuthorizationLevel.Function, l.Value.AuthLevel));
        Assert.DoesNotContain(levels, l => l.Key != "EditIndexEntries" && (l.Value.Item2.Contains("post", StringComparison.Ordinal) && l.Key.Contains("Index", StringComparison.Ordinal)));
    }

    [Fact]
    public void Status_and_cancel_are_served_by_a_class_that_needs_nothing_that_loads_the_model()
    {
        var modelBound = new[] { typeof(NudgeWorkerServices), typeof(IndexEntriesApi) };
        foreach (var name in new[] { "GetGeneration", "CancelGeneration", "StartGeneration" })
        {
            var host = HttpFunctions().Single(f => f.Method.GetCustomAttribute<FunctionAttribute>()!.Name == name).Method.DeclaringType!;
            var needs = host.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType);
            Assert.DoesNotContain(needs, modelBound.Contains);
        }
    }
}
