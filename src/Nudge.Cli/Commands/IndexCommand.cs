using System.Globalization;
using Nudge.Cli.Console;
using Nudge.Engine.Generation;
using Nudge.Evaluation;
using Nudge.Mitigation.Indices;
using Nudge.Indexing;
using Nudge.Indexing.Persistence;
using Nudge.Mitigation.Embedding;
using Nudge.Mitigation.Intake;

namespace Nudge.Cli.Commands;

/// <summary><c>index add|list|remove|import-memorized</c>: manage named embedding indices.</summary>
internal static class IndexCommand
{
    public const string Usage = "index add --index NAME (--image FILE [--caption TEXT] | --text TEXT) [--id ID] [--threshold X] | index list [--index NAME] | index remove --index NAME --id ID... | index import-memorized [--model DIR] [--index NAME] [--copy-index NAME]  (all take [--store DIR])";

    public static async Task<int> AddAsync(Arguments a, CancellationToken ct)
    {
        var name = a.Required("index");
        var image = a.String("image");
        var text = a.String("text");
        var caption = a.String("caption");
        var id = a.String("id");
        var threshold = a.Float("threshold");
        var modelDir = ModelArguments.Folder(a);
        var store = StoreArguments.Open(a);
        ValidateName(name);
        if ((image is null) == (text is null))
        {
            throw new UsageException("give exactly one of --image FILE or --text TEXT");
        }

        if (threshold is float t && !(t >= -1 && t <= 1))
        {
            throw new UsageException($"--threshold must be a cosine between -1 and 1, got {t}");
        }

        if (text is not null && string.IsNullOrWhiteSpace(text))
        {
            throw new UsageException("--text is empty");
        }

        RgbImage? rgb = null;
        if (image is not null)
        {
            if (!File.Exists(image))
            {
                throw new UsageException($"--image: file '{image}' not found");
            }

            try
            {
                var intake = new ImageIntakeOptions();
                await using var stream = new FileStream(image, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
                rgb = ImageIntake.DecodeOrThrow(await ImageIntake.ReadAsync(stream, intake.MaxBytes, ct), intake);
            }
            catch (InvalidDataException ex)
            {
                throw new UsageException($"--image: '{image}' is not a readable image ({ex.Message})");
            }
        }

        using var model = ModelArguments.Load(modelDir);
        var embedder = EmbedderFor(model);
        IndexEntry entry;
        if (rgb is not null)
        {
            float[]? latent = null;
            int[]? shape = null;
            if (LatentEncoder.CanEncode(model, rgb.Width, rgb.Height))
            {
                latent = LatentEncoder.Encode(model, rgb.Rgb, rgb.Width, rgb.Height);
                shape = LatentEncoder.LatentShape(model, rgb.Width, rgb.Height);
            }

            entry = new IndexEntry
            {
                Id = id ?? Path.GetFileNameWithoutExtension(image!),
                Kind = IndexEntryKind.Image,
                Embedding = embedder.EmbedImages([rgb])[0],
                Caption = caption,
                Latent = latent,
                LatentShape = shape,
                Threshold = threshold,
                Source = Path.GetFullPath(image!),
            };
        }
        else
        {
            entry = new IndexEntry
            {
                Id = id ?? "text-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text!)))[..12],
                Kind = IndexEntryKind.Text,
                Embedding = embedder.EmbedTexts([text!])[0],
                Caption = text,
                Threshold = threshold,
                Source = "cli:text",
            };
        }

        try
        {
            var r = await store.AddAsync(name, [entry], ct);
            System.Console.WriteLine($"added '{entry.Id}' ({entry.Kind.ToString().ToLowerInvariant()}) to '{name}'");
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }

        return 0;
    }

    public static async Task<int> ListAsync(Arguments a, CancellationToken ct)
    {
        var name = a.String("index");
        var store = StoreArguments.Open(a);
        var names = name is null ? await store.ListNamesAsync(ct) : [name];
        foreach (var n in names)
        {
            var index = await store.LoadAsync(n, cancellationToken: ct);
            if (!index.Exists)
            {
                throw new UsageException($"index '{n}' does not exist");
            }

            System.Console.WriteLine($"{n}: {index.Count} entries, dimension {index.Dimension}, {index.StorageType}");
            if (name is not null)
            {
                foreach (var e in index.Entries)
                {
                    var th = e.Threshold is float t ? t.ToString("F3", CultureInfo.InvariantCulture) : "-";
                    string triggers = e.TriggerWords.Count == 0 ? "" : $"\ttriggers: {string.Join(' ', e.TriggerWords)}";
                    System.Console.WriteLine($"  {e.Id}\t{e.Kind.ToString().ToLowerInvariant()}\tthreshold {th}\t{e.Caption}\t{e.Source}\t{e.AddedAt:O}{triggers}");
                }
            }
        }

        return 0;
    }

    public static async Task<int> RemoveAsync(Arguments a, CancellationToken ct)
    {
        var name = a.Required("index");
        var ids = a.Strings("id");
        var store = StoreArguments.Open(a);
        if (ids.Count == 0)
        {
            throw new UsageException("--id is required (repeat it to remove several)");
        }

        var index = await store.LoadAsync(name, cancellationToken: ct);
        var missing = ids.Where(i => !index.Contains(i)).ToList();
        if (missing.Count > 0)
        {
            throw new UsageException($"index '{name}' has no entry {string.Join(", ", missing.Select(m => $"'{m}'"))}");
        }

        await store.RemoveAsync(name, ids, ct);
        System.Console.WriteLine($"removed {ids.Count} entr{(ids.Count == 1 ? "y" : "ies")} from '{name}'");
        return 0;
    }

    private static int PositiveOr(Arguments a, string option, int fallback) => a.Int(option) is int value
        ? value > 0 ? value : throw new UsageException($"--{option} must be positive, not {value}")
        : fallback;

    public static async Task<int> GraphAsync(Arguments a, CancellationToken ct)
    {
        var name = a.Required("index");
        var approximate = new Nudge.Indexing.Approximate.ApproximateSearchOptions();
        approximate.MinEntries = PositiveOr(a, "min-entries", approximate.MinEntries);
        approximate.Partitions = PositiveOr(a, "partitions", approximate.Partitions);
        approximate.Connectivity = a.Int("connectivity") is int m
            ? m >= 2 ? m : throw new UsageException($"--connectivity must be at least 2, not {m}")
            : approximate.Connectivity;
        approximate.ExpansionAdd = PositiveOr(a, "expansion-add", approximate.ExpansionAdd);
        approximate.ExpansionSearch = PositiveOr(a, "expansion-search", approximate.ExpansionSearch);
        approximate.Quantization = a.String("quantization") switch
        {
            null or "i8" => Nudge.Indexing.Approximate.GraphQuantization.Int8,
            "f16" => Nudge.Indexing.Approximate.GraphQuantization.Float16,
            "f32" => Nudge.Indexing.Approximate.GraphQuantization.Float32,
            var other => throw new UsageException($"--quantization must be f32, f16 or i8, not '{other}'"),
        };
        var store = new EmbeddingIndexStore(StoreArguments.OpenObjects(a), new EmbeddingIndexStoreOptions { ApproximateSearch = approximate });
        int lastTenth = -1;
        var progress = new Progress<(int Done, int Total)>(p =>
        {
            int tenth = (int)(10L * p.Done / Math.Max(1, p.Total));
            if (Interlocked.Exchange(ref lastTenth, tenth) != tenth)
            {
                System.Console.Error.WriteLine($"graph '{name}': {p.Done:N0} of {p.Total:N0} rows");
            }
        });
        GraphBuildResult result;
        try
        {
            result = await store.BuildGraphAsync(name, progress, ct);
        }
        catch (IndexNotFoundException)
        {
            throw new UsageException($"index '{name}' does not exist");
        }

        System.Console.WriteLine(result.Status switch
        {
            "below-threshold" => $"'{name}' has {result.Count} entries, fewer than {approximate.MinEntries}: it stays exact (lower --min-entries to build anyway)",
            "exists" => $"'{name}' generation {result.Generation} already has its graph ({result.Bytes:N0} bytes)",
            _ => $"built the graph of '{name}' generation {result.Generation}: {result.Count} entries in {result.Partitions} partition{(result.Partitions == 1 ? "" : "s")} (M {approximate.Connectivity}, efConstruction {approximate.ExpansionAdd}, ef {approximate.ExpansionSearch}, {approximate.Quantization}), {result.Bytes:N0} bytes, {result.BuildTime.TotalSeconds:F1} s",
        });
        return 0;
    }

    public static async Task<int> ImportAsync(Arguments a, CancellationToken ct)
    {
        var name = a.String("index") ?? "undesired";
        var copyName = a.String("copy-index") ?? "memorized";
        var modelDir = ModelArguments.Folder(a);
        var store = StoreArguments.Open(a);
        ValidateName(name);
        ValidateName(copyName);
        using var model = ModelArguments.Load(modelDir);
        IReadOnlyList<MemorizedImage> set;
        try
        {
            set = MemorizedSet.Read(model.Folder);
        }
        catch (FileNotFoundException ex)
        {
            throw new UsageException(ex.Message);
        }

        await ImportEntriesAsync(store, name, MemorizedSet.ToEntries(set, EmbedderFor(model), model), ct);
        if (CopyDetectorFor(model) is { } detector)
        {
            await ImportEntriesAsync(store, copyName, MemorizedSet.ToCopyEntries(set, detector, model), ct);
        }
        else
        {
            System.Console.WriteLine($"{model.Folder} has no copy_detector/: the memorized images went into '{name}' as embedder entries");
        }

        return 0;
    }

    private static async Task ImportEntriesAsync(EmbeddingIndexStore store, string name, IReadOnlyList<IndexEntry> entries, CancellationToken ct)
    {
        var existing = await store.LoadAsync(name, cancellationToken: ct);
        if (existing.Count > 0 && entries.Count > 0 && existing.Dimension != entries[0].Embedding.Length)
        {
            throw new UsageException($"index '{name}' holds {existing.Dimension}-d vectors and these are {entries[0].Embedding.Length}-d (another model's?); use another --store or index name");
        }

        var fresh = entries.Where(e => !existing.Contains(e.Id)).ToList();
        if (fresh.Count > 0)
        {
            await store.AddAsync(name, fresh, ct);
        }

        System.Console.WriteLine($"imported {fresh.Count} entries into '{name}' ({entries.Count - fresh.Count} already there)");
    }

    /// <summary>The model's copy detector, or null when its folder has none.</summary>
    internal static CopyDetector? CopyDetectorFor(Nudge.Engine.Models.StableDiffusionModel model)
    {
        if (model.CopyDetector is null)
        {
            return null;
        }

        try
        {
            return new CopyDetector(model);
        }
        catch (InvalidDataException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    internal static ClipEmbedder EmbedderFor(Nudge.Engine.Models.StableDiffusionModel model)
    {
        try
        {
            return new ClipEmbedder(model);
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException)
        {
            throw new UsageException(ex.Message);
        }
    }

    private static void ValidateName(string name)
    {
        try
        {
            IndexNames.Validate(name, "index");
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"--index: {ex.Message}");
        }
    }
}
