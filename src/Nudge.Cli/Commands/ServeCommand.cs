using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nudge.Cli.Console;
using Nudge.Http;
using Nudge.Mitigation.Pipeline;
using Nudge.Orchestration;
using Nudge.Orchestration.Hosting;
using Nudge.Storage;

namespace Nudge.Cli.Commands;

/// <summary>
/// <c>nudge serve</c>: the Functions app's HTTP API on Kestrel, with the same routes, handler classes, JSON and status
/// codes (<see cref="ApiEndpoints"/>), orchestrations on the in-process Durable host or the Azure Storage backend,
/// and a local folder store.
/// </summary>
internal static class ServeCommand
{
    /// <summary>Largest request body Kestrel accepts at all; each handler has its own smaller limit.</summary>
    private const long MaxRequestBodyBytes = 1024 * 1024;

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var urls = args.String("urls") ?? "http://127.0.0.1:7071";
        var modelDir = ModelArguments.Folder(args);
        var storeRoot = StoreArguments.Root(args);
        var objects = StoreArguments.OpenObjects(args);
        var policyPath = args.String("policy");
        var sweepEvery = TimeSpan.FromSeconds(args.Float("sweep-seconds") ?? 10);
        if (sweepEvery <= TimeSpan.Zero)
        {
            throw new UsageException("--sweep-seconds must be positive");
        }

        var hostOptions = DurableArguments.Read(args, defaultTaskHub: "nudgeserve");

        var policy = policyPath is null ? new NudgePolicy() : PolicyArguments.Load(policyPath);
        var keys = ReadKeys(storeRoot);
        using var model = ModelArguments.Load(modelDir);
        using var services = new NudgeWorkerServices(model, objects, policy, logger: CliLog.Logger,
            slotWaitLimit: Timeout.InfiniteTimeSpan); // no function timeout here: a long local queue just waits
        await StoreArguments.GuardIndicesAsync(services.Indices, services.Policy, model, services.Embedder, services.CopyDetector, cancellationToken);

        await using var durable = await DurableArguments.StartAsync(hostOptions, services);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new CliLoggerProvider());
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.Services.AddMvcCore();
        builder.Services.AddSingleton(durable.DurableClient);
        builder.Services.AddSingleton<IObjectStore>(objects);
        builder.Services.AddNudgeWorker(services);
        builder.Services.AddSingleton<IndexEntriesApi>();
        builder.Services.AddSingleton(sp => new ReviewApi(objects, sp.GetRequiredService<IReadLinkSigner>()));
        builder.Services.AddSingleton(keys);
        string origin = "";
        var links = new SignedFileLinks(() => origin);
        builder.Services.AddSingleton(links);
        builder.Services.AddSingleton<IReadLinkSigner>(links);

        await using var app = builder.Build();
        app.MapNudgeApi();
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException ex)
        {
            throw new UsageException($"--urls {urls}: {ex.Message}");
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        origin = bound.FirstOrDefault()?.TrimEnd('/') ?? urls;
        System.Console.Error.WriteLine($"nudge: serving the API on {string.Join(", ", bound)} (store {storeRoot}, model {model.Name}, orchestrations on the {durable.Backend} backend); keys {(Environment.GetEnvironmentVariable("NUDGE_FUNCTION_KEY") is { Length: > 0 } ? "from NUDGE_FUNCTION_KEY and NUDGE_ADMIN_KEY" : "in " + KeysPath(storeRoot))}");
        System.Console.Error.WriteLine("nudge: listening");

        // Uploads: the Functions app reacts to Event Grid and sweeps every 10 minutes; locally the same sweep
        // (UploadReconciler) runs every --sweep-seconds over the store's uploads folder.
        var sweepLog = CliLog.Factory.CreateLogger("sweep");
        try
        {
            while (true)
            {
                try
                {
                    await UploadReconciler.SweepAsync(objects, durable.DurableClient, sweepLog, cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or InvalidOperationException)
                {
                    sweepLog.LogWarning("upload sweep failed: {Message}", ex.Message);
                }

                await Task.Delay(sweepEvery, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // SIGTERM and Ctrl+C cancel the token: stop accepting, finish requests in flight, stop the Durable host.
        }

        System.Console.Error.WriteLine("nudge: stopping");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await app.StopAsync(stop.Token);
        return 0;
    }

    /// <summary>
    /// Keys from <c>NUDGE_FUNCTION_KEY</c> and <c>NUDGE_ADMIN_KEY</c>, else the store's <c>serve-keys.json</c>, else
    /// new random ones written there (owner-only) so that clients can read them.
    /// </summary>
    private static ApiKeys ReadKeys(string storeRoot)
    {
        string? function = Environment.GetEnvironmentVariable("NUDGE_FUNCTION_KEY"), admin = Environment.GetEnvironmentVariable("NUDGE_ADMIN_KEY");
        try
        {
            if (function is { Length: > 0 } && admin is { Length: > 0 })
            {
                return new ApiKeys(function, admin);
            }

            var path = KeysPath(storeRoot);
            if (File.Exists(path))
            {
                var saved = JsonSerializer.Deserialize<SavedKeys>(File.ReadAllBytes(path)) ?? throw new UsageException($"{path} is empty");
                return new ApiKeys(saved.function_key, saved.admin_key);
            }

            var keys = ApiKeys.Generate();
            AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(new SavedKeys(keys.FunctionKey, keys.AdminKey)));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            return keys;
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException)
        {
            throw new UsageException($"serve keys: {ex.Message}");
        }
    }

    private static string KeysPath(string storeRoot) => Path.Combine(storeRoot, "serve-keys.json");

    private sealed record SavedKeys(string function_key, string admin_key);

    private sealed class CliLoggerProvider : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => CliLog.Logger;

        public void Dispose()
        {
        }
    }
}
