using System.Text.Json;

namespace Nudge.Infrastructure.Tests;

/// <summary>Security properties of the compiled ARM templates.</summary>
[Collection(BicepCollection.Name)]
public sealed class TemplateSecurityTests(BicepBuildFixture build)
{
    private static readonly string[] ExpectedContainers =
        ["indices", "outputs", "batch-in", "batch-out", "uploads", "moderation", "quarantine", "models"];

    [Fact]
    public void StorageAccount_DisallowsKeysPublicBlobsAndOldTls()
    {
        var storage = Arm.Single(build.Main, "Microsoft.Storage/storageAccounts");
        var properties = storage.GetProperty("properties");

        Assert.False(properties.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(properties.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", properties.GetProperty("minimumTlsVersion").GetString());
        Assert.True(properties.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
        Assert.True(properties.GetProperty("defaultToOAuthAuthentication").GetBoolean());
    }

    [Fact]
    public void BlobContainers_AreTheExpectedPrivateOnes()
    {
        var containers = Arm.Declared(build.Main, "Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.NotEmpty(containers);
        foreach (var container in containers)
        {
            Assert.Equal("None", Arm.At(container, "properties.publicAccess").GetString());
        }

        // The containers come from the storage module's containerNames parameter default,
        // which main.bicep does not override.
        var module = Arm.ModuleDeclaring(build.Main, "Microsoft.Storage/storageAccounts");
        var names = Arm.At(module, "properties.template.parameters.containerNames.defaultValue")
            .EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(ExpectedContainers.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        Assert.False(Arm.At(module, "properties.parameters").TryGetProperty("containerNames", out _));
    }

    [Fact]
    public void Templates_ContainNoKeysOrKeyListing()
    {
        var files = Directory.GetFiles(build.OutDir, "*.json", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("AccountKey=", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SharedAccessSignature", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listKeys(", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("listAccountSas", text, StringComparison.OrdinalIgnoreCase);
            // Log Analytics shared keys (logAnalyticsConfiguration.sharedKey) are not used either.
            Assert.DoesNotContain("\"sharedKey\"", text, StringComparison.Ordinal);
        }

        foreach (var source in Directory.GetFiles(RepoPaths.Combine("infra"), "*.bicep", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("listKeys(", File.ReadAllText(source), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void FunctionsApp_UsesIdentityBasedConnectionsOnly()
    {
        var app = Arm.Single(build.Main, "Microsoft.App/containerApps");
        var env = Arm.At(app, "properties.template.containers.0.env").EnumerateArray().ToList();
        var settings = env.ToDictionary(e => e.GetProperty("name").GetString()!, e => e, StringComparer.Ordinal);

        string Value(string name)
        {
            Assert.True(settings.TryGetValue(name, out var setting), $"app setting {name} is missing");
            Assert.False(setting.TryGetProperty("secretRef", out _), $"{name} must not come from a secret");
            return setting.GetProperty("value").GetString() ?? "";
        }

        Assert.Contains("storageAccountName", Value("AzureWebJobsStorage__accountName"), StringComparison.Ordinal);
        Assert.Equal("managedidentity", Value("AzureWebJobsStorage__credential"));
        Assert.Contains("identityClientId", Value("AzureWebJobsStorage__clientId"), StringComparison.Ordinal);
        Assert.Contains("blob", Value("NudgeStorage__BlobServiceUri"), StringComparison.Ordinal);
        Assert.Contains("identityClientId", Value("NudgeStorage__ClientId"), StringComparison.Ordinal);
        Assert.Equal("managedidentity", Value("NudgeStorage__credential"));
        Assert.Equal("dotnet-isolated", Value("FUNCTIONS_WORKER_RUNTIME"));
        Assert.Contains("applicationInsightsConnectionString", Value("APPLICATIONINSIGHTS_CONNECTION_STRING"), StringComparison.Ordinal);
        Assert.Contains("Authorization=AAD", Value("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"), StringComparison.Ordinal);
        Assert.Contains("modelPath", Value("Nudge__ModelPath"), StringComparison.Ordinal);
        Assert.Contains("modelBlobPrefix", Value("Nudge__ModelBlobPrefix"), StringComparison.Ordinal);
        Assert.Contains("executionProvider", Value("Nudge__ExecutionProvider"), StringComparison.Ordinal);

        // No connection string setting, no secrets at all.
        Assert.False(settings.ContainsKey("AzureWebJobsStorage"));
        Assert.All(env, e => Assert.False(e.TryGetProperty("secretRef", out _)));
        Assert.False(
            Arm.TryAt(app, "properties.configuration.secrets", out var secrets) && secrets.GetArrayLength() > 0,
            "the container app must not hold secrets");

        // Runs as the user-assigned identity and pulls with it (no registry password).
        Assert.Equal("UserAssigned", Arm.At(app, "identity.type").GetString());
        var registry = Arm.At(app, "properties.configuration.registries.0");
        Assert.True(registry.TryGetProperty("identity", out _));
        Assert.False(registry.TryGetProperty("passwordSecretRef", out _));
        Assert.False(registry.TryGetProperty("username", out _));
    }

    [Fact]
    public void FunctionsApp_IsANativeFunctionsContainerAppWithHttpsOnlyIngress()
    {
        var app = Arm.Single(build.Main, "Microsoft.App/containerApps");
        Assert.Equal("functionapp", app.GetProperty("kind").GetString());
        Assert.False(Arm.At(app, "properties.configuration.ingress.allowInsecure").GetBoolean());
        Assert.True(Arm.At(app, "properties.configuration.ingress.external").GetBoolean());
        Assert.Contains("workloadProfileName", Arm.At(app, "properties.workloadProfileName").GetString(), StringComparison.Ordinal);
        Assert.Contains("minReplicas", Arm.At(app, "properties.template.scale.minReplicas").GetString(), StringComparison.Ordinal);
        Assert.Contains("maxReplicas", Arm.At(app, "properties.template.scale.maxReplicas").GetString(), StringComparison.Ordinal);

        var tags = app.GetProperty("tags").GetString() ?? "";
        Assert.Contains("'azd-service-name', 'functions'", tags, StringComparison.Ordinal);
    }

    [Fact]
    public void ContainerRegistry_HasNoAdminUserOrAnonymousPull()
    {
        var registry = Arm.Single(build.Main, "Microsoft.ContainerRegistry/registries");
        Assert.False(Arm.At(registry, "properties.adminUserEnabled").GetBoolean());
        Assert.False(Arm.At(registry, "properties.anonymousPullEnabled").GetBoolean());
    }

    [Fact]
    public void Monitoring_HasLocalAuthDisabled_AndEnvironmentLogsNeedNoKey()
    {
        var insights = Arm.Single(build.Main, "Microsoft.Insights/components");
        Assert.True(Arm.At(insights, "properties.DisableLocalAuth").GetBoolean());
        Assert.Contains("Microsoft.OperationalInsights/workspaces", Arm.At(insights, "properties.WorkspaceResourceId").GetString(), StringComparison.Ordinal);

        var workspace = Arm.Single(build.Main, "Microsoft.OperationalInsights/workspaces");
        Assert.True(Arm.At(workspace, "properties.features.disableLocalAuth").GetBoolean());

        var environment = Arm.Single(build.Main, "Microsoft.App/managedEnvironments");
        Assert.Equal("azure-monitor", Arm.At(environment, "properties.appLogsConfiguration.destination").GetString());
        var diagnostics = Arm.Single(build.Main, "Microsoft.Insights/diagnosticSettings");
        Assert.Contains("logAnalyticsWorkspaceId", Arm.At(diagnostics, "properties.workspaceId").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RoleAssignments_AreExactlyTheLeastSet()
    {
        // Built-in role definition GUIDs.
        const string blobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
        const string queueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
        const string tableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
        const string metricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
        const string acrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
        const string blobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";

        var assignments = Arm.Declared(build.Main, "Microsoft.Authorization/roleAssignments");

        var app = assignments
            .Where(a => Arm.At(a, "properties.principalId").GetString() == "[parameters('appPrincipalId')]")
            .ToList();
        var user = assignments
            .Where(a => Arm.At(a, "properties.principalId").GetString() == "[parameters('userPrincipalId')]")
            .ToList();
        Assert.Equal(assignments.Count, app.Count + user.Count);

        Assert.Equal(
            new[] { blobDataOwner, queueDataContributor, tableDataContributor, metricsPublisher, acrPull }.Order(StringComparer.Ordinal),
            app.Select(Arm.RoleGuid).Order(StringComparer.Ordinal));
        Assert.All(app, a => Assert.Equal("ServicePrincipal", Arm.At(a, "properties.principalType").GetString()));
        Assert.All(app, a => Assert.False(a.TryGetProperty("condition", out _)));

        // Scopes: storage roles on the account, telemetry on the component, AcrPull on the registry.
        string ScopeOf(string role) => app.Single(a => Arm.RoleGuid(a) == role).GetProperty("scope").GetString() ?? "";
        Assert.Contains("Microsoft.Storage/storageAccounts", ScopeOf(blobDataOwner), StringComparison.Ordinal);
        Assert.Contains("Microsoft.Storage/storageAccounts", ScopeOf(queueDataContributor), StringComparison.Ordinal);
        Assert.Contains("Microsoft.Storage/storageAccounts", ScopeOf(tableDataContributor), StringComparison.Ordinal);
        Assert.Contains("Microsoft.Insights/components", ScopeOf(metricsPublisher), StringComparison.Ordinal);
        Assert.Contains("Microsoft.ContainerRegistry/registries", ScopeOf(acrPull), StringComparison.Ordinal);

        // The deploying user: only blob data access, and only when a principal is given.
        var userRole = Assert.Single(user);
        Assert.Equal(blobDataContributor, Arm.RoleGuid(userRole));
        Assert.Contains("empty(parameters('userPrincipalId'))", userRole.GetProperty("condition").GetString(), StringComparison.Ordinal);

        // main.bicep wires the app identity and the azd principal into the roles module.
        var rolesModule = Arm.ModuleDeclaring(build.Main, "Microsoft.Authorization/roleAssignments");
        Assert.Contains("principalId", Arm.At(rolesModule, "properties.parameters.appPrincipalId.value").GetString(), StringComparison.Ordinal);
        Assert.Equal("[parameters('principalId')]", Arm.At(rolesModule, "properties.parameters.userPrincipalId.value").GetString());
    }
}
