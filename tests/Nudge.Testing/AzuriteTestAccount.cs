using Azure.Storage.Blobs;

namespace Nudge.Testing;

/// <summary>
/// The Blob Storage account the Blob-backed tests run against: <c>NUDGE_TEST_BLOB_CONNECTION</c>, or Azurite at
/// <c>UseDevelopmentStorage=true</c>. Unreachable storage fails the tests with instructions; it never skips them.
/// </summary>
public static class AzuriteTestAccount
{
    /// <summary>The environment variable that names another account.</summary>
    public const string ConnectionVariable = "NUDGE_TEST_BLOB_CONNECTION";

    /// <summary>Azurite's well-known development account.</summary>
    public const string DefaultConnectionString = "UseDevelopmentStorage=true";

    private static readonly Lazy<Task<string>> s_reachable = new(() => EnsureReachableAsync(ConnectionString));

    /// <summary>The configured connection string, or Azurite's.</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } configured ? configured : DefaultConnectionString;

    /// <summary>The connection string, once the account has answered (checked once per test run).</summary>
    public static Task<string> GetConnectionStringAsync() => s_reachable.Value;

    /// <summary>Asks the service for its properties with no retries and a short timeout; throws with instructions if that fails.</summary>
    public static async Task<string> EnsureReachableAsync(string connectionString)
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        var probe = new BlobServiceClient(connectionString, options);
        try
        {
            await probe.GetPropertiesAsync();
            return connectionString;
        }
        catch (Exception ex)
        {
            string source = Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 }
                ? $"from {ConnectionVariable}"
                : $"{ConnectionVariable} is not set, so the default {DefaultConnectionString} (Azurite) is used";
            throw new InvalidOperationException(
                $"Blob Storage is not reachable at {probe.Uri} ({source}). " +
                $"Start Azurite with `.ci/azurite.sh start` (from the repository root) or set {ConnectionVariable} to a reachable account. " +
                $"Cause: {ex.GetType().Name}: {ex.Message}",
                ex);
        }
    }

    /// <summary>Deletes the containers whose names start with <paramref name="prefix"/> (test clean-up).</summary>
    public static async Task DeleteContainersAsync(string connectionString, string prefix)
    {
        var client = new BlobServiceClient(connectionString);
        await foreach (var container in client.GetBlobContainersAsync(prefix: prefix))
        {
            await client.DeleteBlobContainerAsync(container.Name);
        }
    }
}
