using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Nudge.Cli.Commands;
using Nudge.Cli.Console;
using Nudge.Engine.Schedulers;

namespace Nudge.Cli;

/// <summary>
/// The CLI's grammar on System.CommandLine: every command, option and argument with its type and help text. Each
/// command's action adapts the parse result and calls the command; exit codes are mapped by <see cref="CliExit"/>.
/// </summary>
internal static class NudgeCommandLine
{
    /// <summary>Builds the root command.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("Nudge: generate images with latent diffusion and steer them away from memorized or unwanted outputs instead of refusing.")
        {
            Generate(), Index(), Batch(), Moderate(), Serve(), Eval(), Bench(),
        };
        root.Add(new DiagramDirective());
        return root;
    }

    private static Command Generate()
    {
        var c = new Command("generate", "Generate images; unless --no-nudge, filter them and nudge those a filter flags.")
        {
            Text("--prompt", "The prompt.", required: true),
            Text("--negative-prompt", "The negative prompt (default: none)."),
            Long("--seed", "Seed of the first image; image i uses seed + i (default 0)."),
            Int("--count", "Number of images (default 1)."),
            Int("--steps", "Inference steps (default: the model's declared steps, else 20)."),
            Float("--guidance", "Classifier-free guidance scale (default: the model's declared guidance, else 7.5; the bundled model declares 3)."),
            Text("--scheduler", $"Scheduler: {string.Join(", ", SchedulerFactory.ShortNames)} or a diffusers class (default: the model's)."),
            Int("--width", "Width in pixels, a multiple of 8 (default: the model's)."),
            Int("--height", "Height in pixels, a multiple of 8 (default: the model's)."),
            ModelOption(),
            Text("--out", "Folder to write <id>.png and <id>.json to.", required: true),
            Flag("--no-nudge", "Generate only: no filters, no nudge."),
            Text("--policy", "Nudge policy JSON (filters, thresholds, nudge spaces and rounds)."),
            StoreOption(),
        };
        return WithAction(c, GenerateCommand.RunAsync);
    }

    private static Command Index()
    {
        var add = new Command("add", "Add an entry to an index, from an image or from text.")
        {
            Text("--index", "The index, e.g. undesired.", required: true),
            Text("--image", "An image file to embed."),
            Text("--caption", "A caption stored with an image entry."),
            Text("--text", "Text to embed (a concept entry)."),
            Text("--id", "The entry's id (default: derived from its content)."),
            Float("--threshold", "The entry's own match threshold (cosine, -1 to 1)."),
            ModelOption(), StoreOption(),
        };
        var list = new Command("list", "List indices, or one index's entries.") { Text("--index", "An index whose entries to list."), StoreOption() };
        var remove = new Command("remove", "Remove entries from an index.")
        {
            Text("--index", "The index.", required: true),
            new Option<string[]>("--id") { Description = "An entry to remove (repeat for several).", Required = true, HelpName = "ID" },
            StoreOption(),
        };
        var import = new Command("import-memorized", "Index the model's memorized set: embeddings into --index, copy descriptors into --copy-index.")
        {
            ModelOption(),
            Text("--index", "The embedding index (default undesired)."),
            Text("--copy-index", "The copy-descriptor index (default memorized)."),
            StoreOption(),
        };
        var graph = new Command("graph", "Build the proximity graph (HNSW) of a large index, so that its searches are approximate and re-ranked exactly.")
        {
            Text("--index", "The index.", required: true),
            Int("--min-entries", "Build only from this many entries; smaller indices stay exact (default 100000)."),
            Text("--quantization", "How the graph stores its vectors: f32, f16 or i8 (default i8; results are re-ranked on the index's rows)."),
            Int("--partitions", "Graphs to split the rows into, searched in parallel for one query: lower latency on more cores, more work per query (default 1)."),
            Int("--connectivity", "Neighbours per graph node, HNSW's M (default 16; 32 for 1M rows, see docs/perf)."),
            Int("--expansion-add", "Candidate list size while building, HNSW's efConstruction (default 128)."),
            Int("--expansion-search", "Candidate list size while searching, HNSW's ef, stored with the graph (default 256)."),
            StoreOption(),
        };
        WithAction(add, IndexCommand.AddAsync);
        WithAction(graph, IndexCommand.GraphAsync);
        WithAction(list, IndexCommand.ListAsync);
        WithAction(remove, IndexCommand.RemoveAsync);
        WithAction(import, IndexCommand.ImportAsync);
        return new Command("index", "Manage the embedding indices the filters search.") { add, list, remove, import, graph };
    }

    private static Command Batch()
    {
        var c = new Command("batch", "Run a JSONL file of generation requests as durable orchestrations, one per line.")
        {
            new Argument<string>("file") { Description = "The JSONL file: one request per line." },
            Text("--out", "Folder to export the outputs and the batch manifest to.", required: true),
            Text("--durable-storage", "Run on the Durable Task Framework's Azure Storage backend with this connection string (default: in process)."),
            Text("--task-hub", "The task hub on that backend (default nudgecli)."),
            Float("--timeout", "Minutes to wait for the batch (default 120)."),
            ModelOption(),
            Text("--policy", "Nudge policy JSON."),
            StoreOption(),
        };
        return WithAction(c, BatchCommand.RunAsync);
    }

    private static Command Moderate()
    {
        var c = new Command("moderate", "Judge image files: allow, flag, block or invalid, with reasons.")
        {
            new Argument<string[]>("files") { Description = "Image files.", Arity = ArgumentArity.OneOrMore },
            Flag("--json", "Print the verdicts as a JSON array."),
            Text("--index", "The undesired index (default undesired)."),
            Float("--block", "Block at this cosine or above."),
            Float("--flag", "Flag at this cosine or above."),
            Long("--max-bytes", "Largest accepted file."),
            Long("--max-pixels", "Most pixels accepted."),
            ModelOption(), StoreOption(),
        };
        return WithAction(c, ModerateCommand.RunAsync);
    }

    private static Command Serve()
    {
        var c = new Command("serve", "Serve the Functions app's HTTP API on Kestrel (same routes, handlers, JSON and status codes), orchestrations in process or on the Azure Storage backend. Keys: NUDGE_FUNCTION_KEY and NUDGE_ADMIN_KEY, else <store>/serve-keys.json (made on first run).")
        {
            Text("--urls", "Where to listen (default http://127.0.0.1:7071; port 0 picks a free one)."),
            ModelOption(),
            Text("--policy", "Nudge policy JSON."),
            StoreOption(),
            Float("--sweep-seconds", "How often uploads dropped into <store>/uploads are moderated (default 10)."),
            Text("--durable-storage", "Run orchestrations on the Durable Task Framework's Azure Storage backend with this connection string (default: in process)."),
            Text("--task-hub", "The task hub on that backend (default nudgeserve)."),
        };
        return WithAction(c, ServeCommand.RunAsync);
    }

    private static Command Eval()
    {
        var c = new Command("eval", "Measure memorization, relevance and cost of each mitigation method on the model's memorized captions.")
        {
            ModelOption(),
            Int("--seeds", "Seeds per memorized caption (default 8)."),
            Int("--steps", "Inference steps (default 20)."),
            Float("--guidance", "Guidance scale (default 3)."),
            Text("--methods", "Comma-separated methods (default: all)."),
            Text("--policy", "Nudge policy JSON."),
            Flag("--no-figures", "Skip the figure PNGs."),
            Text("--out", "Folder for the report.", required: true),
        };
        return WithAction(c, EvalCommand.RunAsync);
    }

    private static Command Bench()
    {
        var pipeline = new Command("pipeline", "Per-image time and pipeline overhead over ONNX Runtime run time, on any model.")
        {
            ModelOption(),
            Int("--steps", "Inference steps (default 20)."),
            Int("--runs", "Measured runs (default 5)."),
            Int("--count", "Images per run (default 1)."),
            Text("--prompt", "The prompt."),
        };
        WithAction(pipeline, BenchCommand.PipelineAsync);

        // The side-by-side comparisons have their own options (see `nudge bench list`); their tokens pass through.
        var bench = new Command("bench", "Side-by-side comparisons against peers (all, index, ann, generate, nudge, orchestration, scaling, load, micro, list).")
        {
            new Argument<string[]>("benchmark") { Description = "The benchmark and its options.", Arity = ArgumentArity.ZeroOrMore },
            pipeline,
        };
        bench.TreatUnmatchedTokensAsErrors = false;
        return WithAction(bench, BenchCommand.RunAsync);
    }

    private static Option<string?> ModelOption() => Text("--model", "Model folder in the Stable Diffusion ONNX layout (default models/tiny-sd).");

    private static Option<string?> StoreOption() => Text("--store", "Local store for indices and outputs (default $NUDGE_STORE, else .nudge-store).");

    private static Option<string?> Text(string name, string description, bool required = false) =>
        new(name) { Description = description, Required = required, HelpName = HelpName(name) };

    private static Option<int?> Int(string name, string description) =>
        new(name) { Description = description, HelpName = "N", CustomParser = r => Number(r, name, "a whole number", (string s, out int v) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v)) };

    private static Option<long?> Long(string name, string description) =>
        new(name) { Description = description, HelpName = "N", CustomParser = r => Number(r, name, "a whole number", (string s, out long v) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v)) };

    private static Option<float?> Float(string name, string description) =>
        new(name) { Description = description, HelpName = "X", CustomParser = r => Number(r, name, "a number", (string s, out float v) => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && float.IsFinite(v)) };

    private delegate bool TryParse<T>(string text, out T value);

    // The library's own message names the CLR type (System.Nullable`1[System.Int32]); this one names what to type.
    private static T? Number<T>(ArgumentResult result, string name, string what, TryParse<T> parse)
        where T : struct
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (parse(text, out var value))
        {
            return value;
        }

        result.AddError($"{name}: '{text}' is not {what}");
        return null;
    }

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    private static string HelpName(string name) => name switch
    {
        "--out" or "--model" or "--store" => "DIR",
        "--urls" => "URL",
        "--durable-storage" => "CONN",
        "--policy" or "--image" => "FILE",
        _ => "TEXT",
    };

    private static Command WithAction(Command command, Func<Arguments, CancellationToken, Task<int>> run)
    {
        command.SetAction((result, cancellationToken) => CliExit.RunAsync(() => run(new Arguments(result), cancellationToken)));
        return command;
    }
}
