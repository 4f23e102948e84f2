using System.Text.Json;
using Nudge.Cli.Console;
using Nudge.Mitigation.Intake;
using Nudge.Mitigation.Moderation;
using Nudge.Mitigation.Pipeline;

namespace Nudge.Cli.Commands;

/// <summary><c>moderate FILE... [--json]</c>: allow / flag / block / invalid per file against the undesired index.</summary>
internal static class ModerateCommand
{
    public const string Usage = "moderate FILE... [--json] [--index NAME] [--block X] [--flag X] [--max-bytes N] [--max-pixels N] [--model DIR] [--store DIR]";

    public static async Task<int> RunAsync(Arguments a, CancellationToken cancellationToken)
    {
        bool json = a.Flag("json");
        var indexName = a.String("index") ?? "undesired";
        var options = new ModerationOptions();
        options.BlockThreshold = a.Float("block") ?? options.BlockThreshold;
        options.FlagThreshold = a.Float("flag") ?? options.FlagThreshold;
        options.MaxBytes = a.Long("max-bytes") ?? options.MaxBytes;
        options.MaxPixels = a.Long("max-pixels") ?? options.MaxPixels;
        var modelDir = ModelArguments.Folder(a);
        var store = StoreArguments.Open(a);
        using var model = ModelArguments.Load(modelDir);
        var embedder = IndexCommand.EmbedderFor(model);
        var detector = IndexCommand.CopyDetectorFor(model);
        var (index, memorized) = await StoreArguments.GuardIndicesAsync(store, new NudgePolicy { UndesiredIndex = indexName }, model, embedder, detector, cancellationToken);
        var moderator = new UploadModerator(embedder, index, options, detector, memorized);
        var results = new List<ModerationResult>();
        foreach (var file in a.Positional("files"))
        {
            cancellationToken.ThrowIfCancellationRequested();
            ModerationResult r;
            try
            {
                if (!File.Exists(file))
                {
                    r = new ModerationResult(file, ModerationVerdict.Invalid, "file not found", float.NaN, [], 0, 0);
                }
                else
                {
                    await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
                    r = moderator.Moderate(file, await ImageIntake.ReadAsync(stream, options.MaxBytes, cancellationToken));
                }
            }
            catch (InvalidDataException ex)
            {
                r = new ModerationResult(file, ModerationVerdict.Invalid, ex.Message, float.NaN, [], 0, 0);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                r = new ModerationResult(file, ModerationVerdict.Invalid, $"unreadable: {ex.Message}", float.NaN, [], 0, 0);
            }

            results.Add(r);
            if (!json)
            {
                System.Console.WriteLine($"{r.Verdict.ToString().ToLowerInvariant()}\t{r.Source}\t{r.Reason}");
            }
        }

        if (json)
        {
            System.Console.WriteLine(JsonSerializer.Serialize(results, Nudge.Engine.Generation.ImageRecord.JsonOptions));
        }

        return 0;
    }
}
