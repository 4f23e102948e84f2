using Nudge.Cli.Console;
using Nudge.Mitigation.Pipeline;

namespace Nudge.Cli.Commands;

/// <summary>Reads <c>--policy FILE</c>, turning every problem into a one-line usage error.</summary>
internal static class PolicyArguments
{
    public static NudgePolicy Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"--policy: file '{path}' not found");
        }

        try
        {
            return NudgePolicy.FromFile(path);
        }
        catch (InvalidDataException ex)
        {
            throw new UsageException($"--policy: {ex.Message.ReplaceLineEndings(" ")}");
        }
    }
}
