using System.Text.Json;

namespace Nudge.Infrastructure.Tests;

/// <summary>Security properties of the compiled ARM templates.</summary>
[Collection(BicepCollection.Name)]
public sealed class TemplateSecurityTests(BicepBuildFixture build)
{
    private static readonly string[] ExpectedContainers =
        ["indices", "outputs", "batch-in", "batch-out", "uploads", "moderation", "quarantine", "models", "index-images", "eventgrid-deadletter", "work"];

    private const string BlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string BlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string BlobDataReader = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
    private const string BlobDelegator = "db58b8e5-c6ad-4a2a-8342-4190687cbf4a";
    private const string QueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string TableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string MetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string AcrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

    [Fact]
    public void StorageAccounts_DisallowKeysPublicBlobsAndOldTls()
    {
        var accounts = Arm.Declared(build.Main, "Microsoft.Storage/storageAccounts");
        Assert.Equal(2, accounts.Count);
        foreach (var storage in accounts)
        {
            var properties = storage.GetProperty("properties");
            Assert.False(properties.GetProperty("allowSharedKeyAccess").GetBoolean());
            Assert.False(properties.GetProperty("allowBlobPublicAccess").GetBoolean());
            Assert.Equal("TLS1_2", properties.GetProperty("minimumTlsVersion").GetString());
            Assert.True(properties.GetProperty("supportsHttpsTrafficOnly").GetBoolean());
            Assert.True(properties.GetProperty("defaultToOAuthAuthentication").GetBoolean());
        }
    }

    [Fact]
    public void StorageAccounts_DenyEveryNetworkButTheAppSubnetTheDeployerAndTrustedServices()
    {
        foreach (var storage in Arm.Declared(build.Main, "Microsoft.Storage/storageAccounts"))
        {
            Assert.Equal("Deny", Arm.At(storage, "properties.networkAcls.defaultAction").GetString());
            Assert.Equal("AzureServices", Arm.At(storage, "properties.networkAcls.bypass").GetString());
            // Bicep compiles the rule loops into the property's "copy" array.
            var acls = Arm.At(storage, "properties.networkAcls").GetRawText();
            Assert.Contains("\"virtualNetworkRules\"", acls, StringComparison.Ordinal);
            Assert.Contains("allowedSubnetIds", acls, StringComparison.Ordinal);
        }

        // Both accounts allow the environment's subnet, which has the storage service endpoint.
        foreach (var name in new[] { "storage", "host-storage" })
        {
            var module = Module(name);
            Assert.Contains("appsSubnetId", Arm.At(module, "properties.parameters.allowedSubnetIds.value").GetRawText(), StringComparison.Ordinal);
        }

        var subnet = Arm.At(Arm.Single(build.Main, "Microsoft.Network/virtualNetworks"), "properties.subnets.0.properties");
        Assert.Equal("Microsoft.Storage", Arm.At(subnet, "serviceEndpoints.0.service").GetString());
        Assert.Equal("Microsoft.App/environments", Arm.At(subnet, "delegations.0.properties.serviceName").GetString());
        var environment = Arm.Single(build.Main, "Microsoft.App/managedEnvironments");
        Assert.Contains("infrastructureSubnetId", Arm.At(environment, "properties.vnetConfiguration.infrastructureSubnetId").GetString(), StringComparison.Ordinal);

        // Only the data account takes the deployer's address ranges.
        Assert.Contains("deployerIpRanges", Arm.At(Module("storage"), "properties.parameters.allowedIpRanges").GetRawText(), StringComparison.Ordinal);
        Assert.False(Arm.At(Module("host-storage"), "properties.parameters").TryGetProperty("allowedIpRanges", out _));
    }

    [Fact]
    public void EventGrid_DeadLettersUndeliverableEventsWithItsOwnIdentity()
    {
        var topic = Arm.Single(build.Main, "Microsoft.EventGrid/systemTopics");
        Assert.Equal("SystemAssigned", Arm.At(topic, "identity.type").GetString());

        var subscription = Arm.Single(build.Main, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
        var deadLetter = Arm.At(subscription, "properties.deadLetterWithResourceIdentity");
        Assert.Equal("SystemAssigned", Arm.At(deadLetter, "identity.type").GetString());
        Assert.Equal("StorageBlob", Arm.At(deadLetter, "deadLetterDestination.endpointType").GetString());
        Assert.Equal("eventgrid-deadletter", Arm.At(deadLetter, "deadLetterDestination.properties.blobContainerName").GetString());
    }

    private JsonElement Module(string name) =>
        Arm.AllResources(build.Main).Single(r => Arm.TypeOf(r) == "Microsoft.Resources/deployments" && r.GetProperty("name").GetString() == name);

    [Fact]
    public void BlobContainers_AreTheExpectedPrivateOnes()
    {
        var containers = Arm.Declared(build.Main, "Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.NotEmpty(containers);
        foreach (var container in containers)
        {
            Assert.Equal("None", Arm.At(container, "properties.publicAccess").GetString());
        }

        // The data account's containers are the storage module's containerNames default, which main.bicep does not
        // override; host storage gets none (the Functions host and Durable Task create their own).
        var module = Module("storage");
        var names = Arm.At(module, "properties.template.parameters.containerNames.defaultValue")
            .EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(ExpectedContainers.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        Assert.False(Arm.At(module, "properties.parameters").TryGetProperty("containerNames", out _));
        Assert.Equal("[]", Arm.At(Module("host-storage"), "properties.parameters.containerNames.value").GetRawText().Replace(" ", "", StringComparison.Ordinal));
    }

    [Fact]
    public void The_activities_working_state_is_deleted_after_a_week_and_nothing_else_is()
    {
        // Declared in the storage module (both accounts use it); deployed where the account has container work, i.e. not on host storage.
        var storage = Arm.At(Module("storage"), "properties.template");
        var policy = Assert.Single(Arm.Declared(storage, "Microsoft.Storage/storageAccounts/managementPolicies"));
        Assert.Contains("'work'", policy.GetProperty("condition").GetString(), StringComparison.Ordinal);
        var rule = Assert.Single(Arm.At(policy, "properties.policy.rules").EnumerateArray());
        Assert.Equal(["work/"], Arm.At(rule, "definition.filters.prefixMatch").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("[parameters('workRetentionDays')]", Arm.At(rule, "definition.actions.baseBlob.delete.daysAfterModificationGreaterThan").GetString());
        Assert.Equal(7, Arm.At(Module("storage"), "properties.template.parameters.workRetentionDays.defaultValue").GetInt32());
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

        Assert.Contains("hostStorageAccountName", Value("AzureWebJobsStorage__accountName"), StringComparison.Ordinal);
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
    public void RoleAssignments_AreExactlyTheLeastSet_ScopedToTheContainersEachPrincipalNeeds()
    {
        var assignments = Arm.Declared(build.Main, "Microsoft.Authorization/roleAssignments");
        List<JsonElement> Of(string principal) => [.. assignments.Where(a => Arm.At(a, "properties.principalId").GetString() == $"[parameters('{principal}')]")];
        var app = Of("appPrincipalId");
        var user = Of("userPrincipalId");
        var eventGrid = Of("eventGridPrincipalId");
        Assert.Equal(assignments.Count, app.Count + user.Count + eventGrid.Count);
        Assert.All(app.Concat(eventGrid), a => Assert.Equal("ServicePrincipal", Arm.At(a, "properties.principalType").GetString()));
        Assert.All(app.Concat(eventGrid), a => Assert.False(a.TryGetProperty("condition", out _)));

        static string Scope(JsonElement a) => a.GetProperty("scope").GetString() ?? "";
        (string Role, string Scope) Key(JsonElement a) => (Arm.RoleGuid(a), Scope(a));

        // App: everything account-wide is on host storage, except the delegator role (user-delegation keys only).
        var appAccountWide = app.Where(a => Scope(a).Contains("'Microsoft.Storage/storageAccounts'", StringComparison.Ordinal)).Select(Key).ToList();
        Assert.Equal(
            new[] { BlobDataOwner, QueueDataContributor, TableDataContributor }.Select(r => (r, "[resourceId('Microsoft.Storage/storageAccounts', parameters('hostStorageAccountName'))]"))
                .Append((BlobDelegator, "[resourceId('Microsoft.Storage/storageAccounts', parameters('dataStorageAccountName'))]"))
                .Order(),
            appAccountWide.Order());

        // App: data containers, one assignment per container (copy loops over the written and the read-only lists).
        var appContainers = app.Where(a => Scope(a).Contains("blobServices/containers", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, appContainers.Count);
        Assert.All(appContainers, a => Assert.Contains("dataStorageAccountName", Scope(a), StringComparison.Ordinal));
        Assert.Equal(BlobDataContributor, Arm.RoleGuid(appContainers.Single(a => Scope(a).Contains("appWrites", StringComparison.Ordinal))));
        Assert.Equal(BlobDataReader, Arm.RoleGuid(appContainers.Single(a => Scope(a).Contains("appReads", StringComparison.Ordinal))));
        var poison = app.Single(a => Scope(a).Contains("queueServices/queues", StringComparison.Ordinal));
        Assert.Equal(QueueDataContributor, Arm.RoleGuid(poison));
        Assert.Contains("webjobs-blobtrigger-poison", Scope(poison), StringComparison.Ordinal);
        Assert.Equal(MetricsPublisher, Arm.RoleGuid(app.Single(a => Scope(a).Contains("Microsoft.Insights/components", StringComparison.Ordinal))));
        Assert.Equal(AcrPull, Arm.RoleGuid(app.Single(a => Scope(a).Contains("Microsoft.ContainerRegistry/registries", StringComparison.Ordinal))));
        Assert.Equal(app.Count, appAccountWide.Count + appContainers.Count + 3);

        var roles = Arm.ModuleDeclaring(build.Main, "Microsoft.Authorization/roleAssignments").GetProperty("properties").GetProperty("template");
        string[] List(string variable) => [.. Arm.At(roles, $"variables.{variable}").EnumerateArray().Select(e => e.GetString()!)];
        Assert.Equal(["indices", "outputs", "batch-out", "uploads", "moderation", "quarantine", "work"], List("appWrites"));
        Assert.Equal(["batch-in", "models", "index-images"], List("appReads"));
        Assert.Equal(["models", "batch-in", "index-images"], List("userWrites"));
        Assert.Equal(["outputs", "batch-out"], List("userReads"));

        // Event Grid: the dead-letter container only.
        var deadLetter = Assert.Single(eventGrid);
        Assert.Equal(BlobDataContributor, Arm.RoleGuid(deadLetter));
        Assert.Contains("'eventgrid-deadletter'", Scope(deadLetter), StringComparison.Ordinal);

        // The deploying user: data containers only, never the host account (azure-webjobs-secrets lives there), and
        // only when a principal is given.
        Assert.Equal(2, user.Count);
        Assert.All(user, a => Assert.Contains("blobServices/containers', parameters('dataStorageAccountName')", Scope(a), StringComparison.Ordinal));
        Assert.All(user, a => Assert.Contains("empty(parameters('userPrincipalId'))", a.GetProperty("condition").GetString(), StringComparison.Ordinal));
        Assert.Equal(BlobDataContributor, Arm.RoleGuid(user.Single(a => Scope(a).Contains("userWrites", StringComparison.Ordinal))));
        Assert.Equal(BlobDataReader, Arm.RoleGuid(user.Single(a => Scope(a).Contains("userReads", StringComparison.Ordinal))));
        Assert.DoesNotContain(assignments, a => Scope(a).Contains("hostStorageAccountName", StringComparison.Ordinal) && !app.Contains(a));

        // main.bicep wires the identities and the azd principal into the roles module.
        var rolesModule = Arm.ModuleDeclaring(build.Main, "Microsoft.Authorization/roleAssignments");
        Assert.Contains("principalId", Arm.At(rolesModule, "properties.parameters.appPrincipalId.value").GetString(), StringComparison.Ordinal);
        Assert.Equal("[parameters('principalId')]", Arm.At(rolesModule, "properties.parameters.userPrincipalId.value").GetString());
        Assert.Contains("principalId", Arm.At(rolesModule, "properties.parameters.eventGridPrincipalId.value").GetString(), StringComparison.Ordinal);
    }
}
