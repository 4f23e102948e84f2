using System.Text;
using System.Text.RegularExpressions;

namespace Nudge.Infrastructure.Tests;

/// <summary>One Dockerfile instruction (continuation lines joined, comments dropped).</summary>
internal sealed record Instruction(string Keyword, string Arguments, int Stage);

/// <summary>A small static reader for src/Nudge.Functions/Dockerfile.</summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyList<Instruction> instructions) => Instructions = instructions;

    public IReadOnlyList<Instruction> Instructions { get; }

    public static string PathOnDisk => RepoPaths.Combine("src", "Nudge.Functions", "Dockerfile");

    public static Dockerfile Load() => Parse(File.ReadAllText(PathOnDisk));

    public static Dockerfile Parse(string text)
    {
        var instructions = new List<Instruction>();
        var current = new StringBuilder();
        var stage = -1;
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && current.Length == 0))
            {
                continue;
            }

            var continued = line.EndsWith('\\');
            current.Append(continued ? line[..^1] : line).Append(' ');
            if (continued)
            {
                continue;
            }

            var full = current.ToString().Trim();
            current.Clear();
            if (full.Length == 0)
            {
                continue;
            }

            var space = full.IndexOf(' ', StringComparison.Ordinal);
            var keyword = (space < 0 ? full : full[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : full[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                stage++;
            }

            instructions.Add(new Instruction(keyword, arguments, stage));
        }

        return new Dockerfile(instructions);
    }

    public IEnumerable<Instruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public int FinalStage => Instructions.Max(i => i.Stage);

    /// <summary>FROM lines as (image, stage alias).</summary>
    public List<(string Image, string? Alias)> Froms() =>
        All("FROM").Select(i =>
        {
            var tokens = i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(t => !t.StartsWith("--", StringComparison.Ordinal))
                .ToList();
            var alias = tokens.Count >= 3 && tokens[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? tokens[2] : null;
            return (tokens[0], alias);
        }).ToList();

    /// <summary>ARG defaults declared in a stage.</summary>
    public Dictionary<string, string> Args(int stage) =>
        All("ARG").Where(i => i.Stage == stage).Select(i => i.Arguments.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => p.Length > 1 ? p[1].Trim() : "", StringComparer.Ordinal);

    /// <summary>ENV values of the final stage (key=value form).</summary>
    public Dictionary<string, string> Env()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instruction in All("ENV").Where(i => i.Stage == FinalStage))
        {
            foreach (Match match in EnvPair().Matches(instruction.Arguments))
            {
                env[match.Groups["key"].Value] = match.Groups["value"].Value.Trim('"');
            }
        }

        return env;
    }

    /// <summary>EXPOSEd ports of the final stage.</summary>
    public List<string> Exposed() =>
        All("EXPOSE").Where(i => i.Stage == FinalStage)
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => p.Split('/')[0])
            .ToList();

    /// <summary>The user the final stage runs as, with ARG defaults substituted.</summary>
    public string? FinalUser()
    {
        var user = All("USER").Where(i => i.Stage == FinalStage).Select(i => i.Arguments).LastOrDefault();
        if (user is null)
        {
            return null;
        }

        var args = Args(FinalStage);
        return ArgReference().Replace(user, m => args.TryGetValue(m.Groups["name"].Value, out var v) ? v : m.Value);
    }

    [GeneratedRegex(@"(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>""[^""]*""|\S*)")]
    private static partial Regex EnvPair();

    [GeneratedRegex(@"\$\{?(?<name>[A-Za-z_][A-Za-z0-9_]*)\}?")]
    private static partial Regex ArgReference();
}
