namespace Nudge.Infrastructure.Tests;

/// <summary>
/// Runs the azd hooks against a fake 'az' that records its arguments, so the Event Grid
/// subscription logic is exercised without Azure.
/// </summary>
public sealed class HookScriptTests : IDisposable
{
    private const string Fqdn = "func-test.example.azurecontainerapps.io";
    private const string Key = "k+ey/with==";
    private const string EncodedKey = "k%2Bey%2Fwith%3D%3D";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nudge-hook-tests-" + Guid.NewGuid().ToString("N"));

    public HookScriptTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "bin"));
        var fakeAz = Path.Combine(_dir, "bin", "az");
        File.WriteAllText(fakeAz, """
            #!/bin/sh
            # Fake Azure CLI: records each call (one argument per line, then ---) and answers
            # the two queries the hook makes.
            for a in "$@"; do printf '%s\n' "$a"; done >> "$FAKE_AZ_LOG"
            printf -- '---\n' >> "$FAKE_AZ_LOG"
            case "$1 $2 $3" in
              "eventgrid system-topic show") echo "/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.Storage/storageAccounts/sttest" ;;
            esac
            case "$1 $2" in
              "containerapp show") echo "$FAKE_AZ_FQDN" ;;
              "containerapp function")
                if [ -n "${FAKE_AZ_KEY:-}" ]; then echo "$FAKE_AZ_KEY"; else echo "ERROR: key not found" >&2; exit 1; fi ;;
            esac
            exit 0
            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fakeAz, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string LogPath => Path.Combine(_dir, "az.log");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private Dictionary<string, string?> Environment(string? image = "crtest.azurecr.io/nudge/functions-dev:azd-deploy-1", string? key = Key, bool strict = false) => new()
    {
        ["PATH"] = Path.Combine(_dir, "bin") + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH"),
        ["FAKE_AZ_LOG"] = LogPath,
        ["FAKE_AZ_FQDN"] = Fqdn,
        ["FAKE_AZ_KEY"] = key,
        ["AZURE_RESOURCE_GROUP"] = "rg-test",
        ["FUNCTIONS_APP_NAME"] = "func-test",
        ["EVENTGRID_SYSTEM_TOPIC_NAME"] = "evgt-test",
        ["AZURE_SUBSCRIPTION_ID"] = null,
        ["SERVICE_FUNCTIONS_IMAGE_NAME"] = image,
        ["NUDGE_EVENTGRID_ATTEMPTS"] = "2",
        ["NUDGE_EVENTGRID_DELAY_SECONDS"] = "0",
        ["NUDGE_EVENTGRID_STRICT"] = strict ? "true" : null,
        ["NUDGE_BATCH_FUNCTION_NAME"] = null,
        ["NUDGE_UPLOAD_FUNCTION_NAME"] = null,
    };

    private ProcessResult RunSh(Dictionary<string, string?> environment) =>
        ProcessRunner.Run("sh", [RepoPaths.Combine("infra", "hooks", "eventgrid-subscriptions.sh")], _dir, environment, TimeSpan.FromMinutes(2));

    private ProcessResult RunPwsh(Dictionary<string, string?> environment)
    {
        var tools = RepoPaths.Combine("infra", "tools");
        var restore = ProcessRunner.Run("dotnet", ["tool", "restore"], tools, timeout: TimeSpan.FromMinutes(10));
        Assert.True(restore.ExitCode == 0, $"dotnet tool restore (PowerShell) failed: {restore}");
        return ProcessRunner.Run(
            "dotnet",
            ["tool", "run", "pwsh", "--", "-NoProfile", "-NonInteractive", "-File", RepoPaths.Combine("infra", "hooks", "eventgrid-subscriptions.ps1")],
            tools,
            environment,
            TimeSpan.FromMinutes(5));
    }

    /// <summary>The recorded az calls, each as its argument list.</summary>
    private List<List<string>> Calls()
    {
        if (!File.Exists(LogPath))
        {
            return [];
        }

        var calls = new List<List<string>>();
        var current = new List<string>();
        foreach (var line in File.ReadAllLines(LogPath))
        {
            if (line == "---")
            {
                calls.Add(current);
                current = [];
            }
            else
            {
                current.Add(line);
            }
        }

        return calls;
    }

    private static string? Option(List<string> call, string name)
    {
        var index = call.IndexOf(name);
        return index >= 0 && index + 1 < call.Count ? call[index + 1] : null;
    }

    private void AssertSubscriptionsCreated(ProcessResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain(Key, result.Output, StringComparison.Ordinal);

        var creates = Calls()
            .Where(c => c.Take(4).SequenceEqual(["eventgrid", "system-topic", "event-subscription", "create"]))
            .ToList();
        Assert.Equal(2, creates.Count);

        var batch = Assert.Single(creates, c => Option(c, "--name") == "nudge-batch-in-jsonl");
        Assert.Equal(
            $"https://{Fqdn}/runtime/webhooks/blobs?functionName=Host.Functions.BatchFileDropped&code={EncodedKey}",
            Option(batch, "--endpoint")?.Trim('"'));
        Assert.Equal("/blobServices/default/containers/batch-in/", Option(batch, "--subject-begins-with"));
        Assert.Equal(".jsonl", Option(batch, "--subject-ends-with"));

        var uploads = Assert.Single(creates, c => Option(c, "--name") == "nudge-uploads");
        Assert.Equal(
            $"https://{Fqdn}/runtime/webhooks/blobs?functionName=Host.Functions.UploadReceived&code={EncodedKey}",
            Option(uploads, "--endpoint")?.Trim('"'));
        Assert.Equal("/blobServices/default/containers/uploads/", Option(uploads, "--subject-begins-with"));
        Assert.Null(Option(uploads, "--subject-ends-with"));

        foreach (var create in creates)
        {
            Assert.Equal("rg-test", Option(create, "--resource-group"));
            Assert.Equal("evgt-test", Option(create, "--system-topic-name"));
            Assert.Equal("webhook", Option(create, "--endpoint-type"));
            Assert.Equal("Microsoft.Storage.BlobCreated", Option(create, "--included-event-types"));
            Assert.Equal("systemassigned", Option(create, "--deadletter-identity"));
            Assert.Equal("/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.Storage/storageAccounts/sttest/blobServices/default/containers/eventgrid-deadletter",
                Option(create, "--deadletter-identity-endpoint"));
        }

        // The key comes from the blobs_extension system key of the app.
        var keyQuery = Calls().First(c => c.Take(4).SequenceEqual(["containerapp", "function", "keys", "show"]));
        Assert.Equal("systemKey", Option(keyQuery, "--key-type"));
        Assert.Equal("blobs_extension", Option(keyQuery, "--key-name"));
        Assert.Equal("func-test", Option(keyQuery, "--name"));
    }

    [Fact]
    public void Sh_CreatesBothSubscriptions_WithTheBlobsExtensionWebhook()
    {
        AssertSubscriptionsCreated(RunSh(Environment()));
    }

    [Fact]
    public void Sh_IsIdempotent_ReRunningIssuesTheSameCreateOrUpdateCalls()
    {
        Assert.Equal(0, RunSh(Environment()).ExitCode);
        var first = Calls();
        File.Delete(LogPath);
        Assert.Equal(0, RunSh(Environment()).ExitCode);
        var second = Calls();
        Assert.Equal(first.Select(c => string.Join(' ', c)), second.Select(c => string.Join(' ', c)));
    }

    [Fact]
    public void Sh_SkipsBeforeTheFirstDeploy()
    {
        var result = RunSh(Environment(image: null));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("has not been deployed yet", result.Output, StringComparison.Ordinal);
        Assert.Empty(Calls());
    }

    [Fact]
    public void Sh_WithoutAKey_WarnsOrFailsWhenStrict_AndCreatesNothing()
    {
        var lenient = RunSh(Environment(key: null));
        Assert.True(lenient.ExitCode == 0, lenient.ToString());
        Assert.Contains("WARNING", lenient.Output, StringComparison.Ordinal);

        var strict = RunSh(Environment(key: null, strict: true));
        Assert.Equal(1, strict.ExitCode);
        Assert.Contains("ERROR", strict.Output, StringComparison.Ordinal);

        Assert.DoesNotContain(Calls(), c => c.Contains("create") && c.Contains("event-subscription"));
    }

    [Fact]
    public void Pwsh_CreatesBothSubscriptions_WithTheBlobsExtensionWebhook()
    {
        AssertSubscriptionsCreated(RunPwsh(Environment()));
    }

    [Fact]
    public void Pwsh_SkipsBeforeTheFirstDeploy()
    {
        var result = RunPwsh(Environment(image: null));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("has not been deployed yet", result.Output, StringComparison.Ordinal);
        Assert.Empty(Calls());
    }
}
