using System.CommandLine;

namespace Nudge.Cli.Console;

/// <summary>
/// The values System.CommandLine parsed for one command, read by option name (without the leading dashes). Parsing,
/// typing, required options and unknown tokens are System.CommandLine's; what is left here are the checks that
/// span options or need the model.
/// </summary>
internal sealed class Arguments(ParseResult result)
{
    public ParseResult Result { get; } = result;

    public bool Flag(string name) => Result.GetValue<bool>("--" + name);

    public string? String(string name) => Result.GetValue<string?>("--" + name);

    public IReadOnlyList<string> Strings(string name) => Result.GetValue<string[]>("--" + name) ?? [];

    public string Required(string name) => String(name) ?? throw new UsageException($"--{name} is required");

    public int? Int(string name) => Result.GetValue<int?>("--" + name);

    public long? Long(string name) => Result.GetValue<long?>("--" + name);

    public float? Float(string name) => Result.GetValue<float?>("--" + name);

    /// <summary>A single positional argument's value.</summary>
    public string Argument(string name) => Result.GetValue<string>(name) ?? throw new UsageException($"{name} is required");

    /// <summary>A positional argument's values.</summary>
    public IReadOnlyList<string> Positional(string name) => Result.GetValue<string[]>(name) ?? [];
}
