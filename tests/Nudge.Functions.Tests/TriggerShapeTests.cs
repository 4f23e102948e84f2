using System.Reflection;
using Microsoft.Azure.Functions.Worker;
using Nudge.Http;
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
    public void Index_edits_and_moderation_decisions_take_the_admin_key_the_page_none_and_every_other_route_a_function_key()
    {
        var levels = HttpFunctions().ToDictionary(f => f.Method.GetCustomAttribute<FunctionAttribute>()!.Name, f => (f.Trigger.AuthLevel, string.Join(",", f.Trigger.Methods!)));
        string[] admin = ["EditIndexEntries", "ModerationQueue", "DecideUpload"];

        Assert.Equal((AuthorizationLevel.Admin, "post,delete"), levels["EditIndexEntries"]);
        Assert.All(admin, name => Assert.Equal(AuthorizationLevel.Admin, levels[name].AuthLevel));
        Assert.Equal((AuthorizationLevel.Anonymous, "get"), levels["ReviewPage"]);
        Assert.All(levels.Where(l => !admin.Contains(l.Key) && l.Key != "ReviewPage"), l => Assert.Equal(AuthorizationLevel.Function, l.Value.AuthLevel));
        Assert.DoesNotContain(levels, l => l.Key != "EditIndexEntries" && (l.Value.Item2.Contains("post", StringComparison.Ordinal) && l.Key.Contains("Index", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_generated_functions_metadata_declares_exactly_the_routes_nudge_serve_maps()
    {
        // functions.metadata is what the Functions host reads; ApiRoutes is what `nudge serve` maps. Same names, routes,
        // methods and key levels, or one host exposes an API the other does not.
        var path = Path.Combine(AppContext.BaseDirectory, "functions.metadata");
        Assert.True(File.Exists(path), $"the Functions build did not generate {path}");
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        var declared = doc.RootElement.EnumerateArray()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray()
                .Where(b => string.Equals(b.GetProperty("type").GetString(), "httpTrigger", StringComparison.OrdinalIgnoreCase))
                .Select(b => $"{f.GetProperty("name").GetString()} {b.GetProperty("authLevel").GetString()} {string.Join(",", b.GetProperty("methods").EnumerateArray().Select(m => m.GetString()))} {b.GetProperty("route").GetString()}"))
            .Order(StringComparer.Ordinal)
            .ToArray();
        var served = ApiRoutes.All.Select(r => $"{r.Name} {r.Access} {string.Join(",", r.Methods)} {r.Template}").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(9, declared.Length);
        Assert.Equal(declared, served);
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
