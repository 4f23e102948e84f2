using System.Globalization;

namespace Nudge.Cli.Console;

/// <summary>
/// A minimal "--name value" / "--flag" argument reader that names the offending argument in every
/// error, so the CLI can print one line and exit with code 2.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Arguments(IEnumerable<string> args, IReadOnlySet<string> flagNames)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                Positional.Add(a);
                continue;
            }

            var name = a[2..];
            if (flagNames.Contains(name))
            {
                _flags.Add(name);
                continue;
            }

            if (i + 1 >= list.Count)
            {
                throw new UsageException($"--{name} needs a value");
            }

            if (!_values.TryGetValue(name, out var vs))
            {
                _values[name] = vs = [];
            }

            vs.Add(list[++i]);
        }
    }

    public List<string> Positional { get; } = [];

    public bool Flag(string name)
    {
        _used.Add(name);
        return _flags.Contains(name);
    }

    public string? String(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var vs) ? vs[^1] : null;
    }

    public IReadOnlyList<string> Strings(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var vs) ? vs : [];
    }

    public string Required(string name) => String(name) ?? throw new UsageException($"--{name} is required");

    public int? Int(string name) => Parse(name, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    public long? Long(string name) => Parse(name, s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    public float? Float(string name) => Parse(name, s => float.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));

    /// <summary>Rejects options nobody asked for (typos must not be ignored silently).</summary>
    public void RejectUnknown()
    {
        foreach (var name in _values.Keys.Concat(_flags))
        {
            if (!_used.Contains(name))
            {
                throw new UsageException($"unknown option --{name}");
            }
        }
    }

    private T? Parse<T>(string name, Func<string, T> parse)
        where T : struct
    {
        var s = String(name);
        if (s is null)
        {
            return null;
        }

        try
        {
            return parse(s);
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new UsageException($"--{name}: '{s}' is not a valid {typeof(T).Name.ToLowerInvariant()}");
        }
    }
}
