using System.Text;
using System.Text.RegularExpressions;

namespace Nudge.Cli.Tests;

/// <summary>
/// Every CLI example in the README parses as written: the command lines of its <c>bash</c> blocks and its inline
/// <c>`nudge ...`</c> spans, each given to the real CLI behind System.CommandLine's <c>[diagram]</c> directive
/// (which parses and prints the parse tree without running anything). The grammar synopsis in the plain code block is
/// documentation, not an example.
/// </summary>
public sealed partial class ReadmeExamplesTests
{
    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (var example in Extract(File.ReadAllText(Path.Combine(CliRunner.RepoRoot, "README.md"))))
        {
            data.Add(example);
        }

        return data;
    }

    [Fact]
    public void The_readme_has_examples_to_check()
    {
        var examples = Extract(File.ReadAllText(Path.Combine(CliRunner.RepoRoot, "README.md"))).ToList();
        Assert.True(examples.Count >= 5, $"found only {examples.Count}: {string.Join(" | ", examples)}");
        Assert.Contains(examples, e => e.StartsWith("generate ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Parses_as_written(string example)
    {
        var r = CliRunner.Run(["[diagram]", .. Split(example)]);
        Assert.True(r.ExitCode == 0, $"nudge {example}\n{r.StdErr}{r.StdOut}");
        Assert.DoesNotContain("!", r.StdOut); // the diagram marks unmatched tokens with '!'
    }

    /// <summary>The CLI arguments of each example (after <c>nudge</c> or <c>dotnet run --project src/Nudge.Cli ... --</c>).</summary>
    internal static IEnumerable<string> Extract(string readme)
    {
        bool inBash = false;
        foreach (var raw in readme.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inBash = !inBash && line.Trim() == "```bash";
                continue;
            }

            if (inBash && Command(line.Trim()) is { } fenced)
            {
                yield return fenced;
            }
        }

        foreach (Match m in InlineCode().Matches(readme))
        {
            if (Command(m.Groups[1].Value) is { } inline)
            {
                yield return inline;
            }
        }
    }

    private static string? Command(string text)
    {
        if (text.StartsWith("nudge ", StringComparison.Ordinal))
        {
            return text["nudge ".Length..];
        }

        if (text.StartsWith("dotnet run --project src/Nudge.Cli", StringComparison.Ordinal) && text.IndexOf(" -- ", StringComparison.Ordinal) is int at and > 0)
        {
            return text[(at + 4)..];
        }

        return null;
    }

    // Shell words: whitespace-separated, with "double" and 'single' quotes grouping.
    private static string[] Split(string command)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        char quote = '\0';
        bool inWord = false;
        foreach (char c in command)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return [.. words];
    }

    [GeneratedRegex("`((?:nudge |dotnet run --project src/Nudge\\.Cli)[^`]+)`")]
    private static partial Regex InlineCode();
}
