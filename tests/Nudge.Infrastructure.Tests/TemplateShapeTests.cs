using System.Text.Json;

namespace Nudge.Infrastructure.Tests;

/// <summary>Parameters, outputs and resource shape of the compiled main template.</summary>
[Collection(BicepCollection.Name)]
public sealed class TemplateShapeTests(BicepBuildFixture build)
{
    [Fact]
    public void Main_IsSubscriptionScoped_AndCreatesTheTaggedResourceGroup()
    {
        var main = build.Main;
        Assert.Contains("subscriptionDeploymentTemplate", main.GetProperty("$schema").GetString(), StringComparison.Ordinal);

        var group = Arm.Single(main, "Microsoft.Resources/resourceGroups");
        Assert.Equal("[variables('tags')]", group.GetProperty("tags").GetString());
        Assert.Equal("[parameters('environmentName')]", Arm.At(main, "variables.tags.azd-env-name").GetString());
    }

    [Fact]
    public void GpuProfile_AllowsT4A100OrNone_AndMapsToServerlessGpuProfiles()
    {
        var gpu = Arm.At(build.Main, "parameters.gpuProfile");
        Assert.Equal(
            new[] { "T4", "A100", "None" },
            gpu.GetProperty("allowedValues").EnumerateArray().Select(v => v.GetString() ?? "").ToArray());
        Assert.Equal("T4", gpu.GetProperty("defaultValue").GetString());

        var module = Arm.ModuleDeclaring(build.Main, "Microsoft.App/managedEnvironments");
        var profiles = Arm.At(module, "properties.template.variables.gpuWorkloadProfiles");
        Assert.Equal("Consumption-GPU-NC8as-T4", Arm.At(profiles, "T4.workloadProfileType").GetString());
        Assert.Equal("Consumption-GPU-NC24-A100", Arm.At(profiles, "A100.workloadProfileType").GetString());
        Assert.Equal("Consumption", Arm.At(module, "properties.template.variables.consumptionProfile.workloadProfileType").GetString());

        var workloadProfiles = Arm.At(Arm.Single(build.Main, "Microsoft.App/managedEnvironments"), "properties.workloadProfiles").GetString() ?? "";
        Assert.Contains("equals(parameters('gpuProfile'), 'None')", workloadProfiles, StringComparison.Ordinal);
    }

    [Fact]
    public void Replicas_AreParameters_WithAWarmReplicaByDefault()
    {
        var min = Arm.At(build.Main, "parameters.minReplicas");
        Assert.Equal("int", min.GetProperty("type").GetString());
        Assert.Equal(1, min.GetProperty("defaultValue").GetInt32());
        Assert.Equal(0, min.GetProperty("minValue").GetInt32());

        var max = Arm.At(build.Main, "parameters.maxReplicas");
        Assert.Equal("int", max.GetProperty("type").GetString());
        Assert.True(max.GetProperty("minValue").GetInt32() >= 1);

        var appModule = Arm.ModuleDeclaring(build.Main, "Microsoft.App/containerApps");
        Assert.Equal("[parameters('minReplicas')]", Arm.At(appModule, "properties.parameters.minReplicas.value").GetString());
        Assert.Equal("[parameters('maxReplicas')]", Arm.At(appModule, "properties.parameters.maxReplicas.value").GetString());
        Assert.Equal("[parameters('functionsImageName')]", Arm.At(appModule, "properties.parameters.image.value").GetString());
    }

    [Fact]
    public void Outputs_IncludeWhatAzdTheHooksAndTheDocsUse()
    {
        var outputs = build.Main.GetProperty("outputs");
        foreach (var name in new[]
                 {
                     "AZURE_LOCATION", "AZURE_RESOURCE_GROUP", "AZURE_CONTAINER_REGISTRY_ENDPOINT",
                     "AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_BLOB_ENDPOINT", "FUNCTIONS_APP_NAME",
                     "FUNCTIONS_URI", "EVENTGRID_SYSTEM_TOPIC_NAME",
                 })
        {
            Assert.True(outputs.TryGetProperty(name, out var output), $"output {name} is missing");
            Assert.Equal("string", output.GetProperty("type").GetString());
        }

        // Outputs never carry the secure key parameter.
        Assert.DoesNotContain("blobsExtensionKey", outputs.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void ParametersFile_MapsAzdEnvironmentValuesToDeclaredParameters()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepoPaths.Combine("infra", "main.parameters.json")));
        var supplied = document.RootElement.GetProperty("parameters");
        var declared = build.Main.GetProperty("parameters");

        foreach (var parameter in supplied.EnumerateObject())
        {
            Assert.True(declared.TryGetProperty(parameter.Name, out _), $"main.parameters.json sets undeclared parameter {parameter.Name}");
        }

        foreach (var parameter in declared.EnumerateObject())
        {
            if (!parameter.Value.TryGetProperty("defaultValue", out _))
            {
                Assert.True(supplied.TryGetProperty(parameter.Name, out _), $"required parameter {parameter.Name} is not supplied");
            }
        }

        string ValueOf(string name) => Arm.At(supplied, $"{name}.value").GetString() ?? "";
        Assert.Equal("${AZURE_ENV_NAME}", ValueOf("environmentName"));
        Assert.Equal("${AZURE_LOCATION}", ValueOf("location"));
        Assert.Equal("${AZURE_PRINCIPAL_ID}", ValueOf("principalId"));
        Assert.Equal("${GPU_PROFILE=T4}", ValueOf("gpuProfile"));
        Assert.Equal("${MIN_REPLICAS=1}", ValueOf("minReplicas"));
        Assert.Equal("${MAX_REPLICAS=1}", ValueOf("maxReplicas"));
        Assert.Equal("${SERVICE_FUNCTIONS_IMAGE_NAME}", ValueOf("functionsImageName"));
        Assert.Equal("${NUDGE_MODEL_BLOB_PREFIX}", ValueOf("modelBlobPrefix"));
    }

    [Fact]
    public void EventGrid_SystemTopicOnTheStorageAccount_AndKeyGuardedSubscriptions()
    {
        var topic = Arm.Single(build.Main, "Microsoft.EventGrid/systemTopics");
        Assert.Equal("Microsoft.Storage.StorageAccounts", Arm.At(topic, "properties.topicType").GetString());
        Assert.Contains("Microsoft.Storage/storageAccounts", Arm.At(topic, "properties.source").GetString(), StringComparison.Ordinal);

        // The subscriptions module is deployed only when the key parameter is set.
        var subscriptionsModule = Arm.ModuleDeclaring(build.Main, "Microsoft.Resources/deployments");
        Assert.Equal("[not(empty(parameters('blobsExtensionKey')))]", subscriptionsModule.GetProperty("condition").GetString());
        Assert.Equal("securestring", Arm.At(build.Main, "parameters.blobsExtensionKey.type").GetString());

        var definitions = Arm.At(subscriptionsModule, "properties.template.variables.subscriptions").EnumerateArray().ToList();
        var batch = definitions.Single(d => d.GetProperty("functionName").GetString() == "BatchFileDropped");
        Assert.Equal("nudge-batch-in-jsonl", batch.GetProperty("name").GetString());
        Assert.Equal("/blobServices/default/containers/batch-in/", batch.GetProperty("subjectBeginsWith").GetString());
        Assert.Equal(".jsonl", batch.GetProperty("subjectEndsWith").GetString());
        var uploads = definitions.Single(d => d.GetProperty("functionName").GetString() == "UploadReceived");
        Assert.Equal("nudge-uploads", uploads.GetProperty("name").GetString());
        Assert.Equal("/blobServices/default/containers/uploads/", uploads.GetProperty("subjectBeginsWith").GetString());

        var moduleText = subscriptionsModule.GetRawText();
        Assert.Contains("/runtime/webhooks/blobs", moduleText, StringComparison.Ordinal);
        Assert.Contains("?functionName=Host.Functions.{1}&code={2}", moduleText, StringComparison.Ordinal);

        var subscription = Arm.Single(build.Main, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
        Assert.Equal("WebHook", Arm.At(subscription, "properties.destination.endpointType").GetString());
        Assert.Equal(
            new[] { "Microsoft.Storage.BlobCreated" },
            Arm.At(subscription, "properties.filter.includedEventTypes").EnumerateArray().Select(e => e.GetString() ?? "").ToArray());
        Assert.Equal("securestring", Arm.At(build.Template("modules/eventgrid-subscription.json"), "parameters.endpointUrl.type").GetString());
    }

    [Fact]
    public void IngressPort_MatchesTheImage()
    {
        var appModule = build.Template("modules/functions-app.json");
        var port = Arm.At(appModule, "parameters.containerPort.defaultValue").GetInt32();
        var dockerfile = Dockerfile.Load();
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(dockerfile.Exposed()));
        Assert.Equal($"http://+:{port}", dockerfile.Env()["ASPNETCORE_URLS"]);
    }
}
