using Nudge.Cli.Console;
using Nudge.Engine.Models;

namespace Nudge.Cli.Commands;

/// <summary>The shared <c>--model DIR</c> option: defaults to the bundled <c>models/tiny-sd</c>.</summary>
internal static class ModelArguments
{
    public static string Folder(Arguments args)
    {
        var dir = args.String("model") ?? DefaultFolder();
        if (!Directory.Exists(dir))
        {
            throw new UsageException($"model folder '{dir}' does not exist");
        }

        return dir;
    }

    public static StableDiffusionModel Load(string folder)
    {
        try
        {
            return StableDiffusionModel.Load(folder, new ModelLoadOptions { Logger = CliLog.Logger });
        }
        catch (ModelLoadException ex)
        {
            throw new UsageException($"cannot load model: {ex.Message}");
        }
    }

    /// <summary>models/tiny-sd, looked up from the working folder and from the program's folder upward.</summary>
    private static string DefaultFolder() =>
        UpwardSearch.Find(d => File.Exists(Path.Combine(d, "models", "tiny-sd", "model_index.json"))) is { } root
            ? Path.Combine(root, "models", "tiny-sd")
            : Path.Combine("models", "tiny-sd");
}
