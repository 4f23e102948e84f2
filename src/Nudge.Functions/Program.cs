using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nudge.Engine.Models;
using Nudge.Http;
using Nudge.Functions.Hosting;
using Nudge.Orchestration;
using Nudge.Storage;
using Nudge.Storage.Blob;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// The same orchestrator and activity classes the tests and the CLI run, declared as functions by the Durable extension.
builder.AddNudgeDurableTasks();

var settings = NudgeHostSettings.Read(builder.Configuration);
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(_ => new BlobObjectStore(settings.Storage));
builder.Services.AddSingleton<IObjectStore>(sp => sp.GetRequiredService<BlobObjectStore>());
builder.Services.AddSingleton<IReadLinkSigner>(sp => new BlobReadLinkSigner(sp.GetRequiredService<BlobObjectStore>().ServiceClient));
// The model is loaded once per process, on first use (ModelStartup resolves it at start-up and warms it up).
builder.Services.AddNudgeWorker(sp => NudgeWorkerServices.Load(
    settings.ModelPath,
    new ModelLoadOptions { ExecutionProvider = settings.ExecutionProvider, Logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Nudge.Model") },
    sp.GetRequiredService<IObjectStore>(),
    logger: sp.GetRequiredService<ILoggerFactory>().CreateLogger<NudgeWorkerServices>()));
builder.Services.AddSingleton<IndexEntriesApi>();
builder.Services.AddHostedService<ModelStartup>();

builder.Build().Run();
