namespace Nudge.Benchmarks.Core;

/// <summary>
/// What the comparisons of one invocation share: options, the output writers, a scratch folder (deleted on
/// dispose) and a cache, so that e.g. <c>scaling</c> reuses the vectors <c>index</c> generated.
/// </summary>
public sealed class BenchmarkContext : IDisposable
{
    private readonly Dictionary<string, object> _cache = new(StringComparer.Ordinal);
    private readonly Lazy<string> _scratch;

    /// <summary>Creates a context.</summary>
    /// <param name="options">The options.</param>
    /// <param name="output">Results (markdown).</param>
    /// <param name="log">Progress lines.</param>
    public BenchmarkContext(BenchmarkOptions options, TextWriter output, TextWriter log)
    {
        Options = options;
        Output = output;
        LogWriter = log;
        _scratch = new Lazy<string>(() =>
        {
            string path = Path.Combine(Path.GetTempPath(), $"nudge-bench-{Environment.ProcessId}");
            Directory.CreateDirectory(path);
            return path;
        });
    }

    /// <summary>The options.</summary>
    public BenchmarkOptions Options { get; }

    /// <summary>Where results go.</summary>
    public TextWriter Output { get; }

    /// <summary>Where progress goes.</summary>
    public TextWriter LogWriter { get; }

    /// <summary>A scratch folder for data files handed to peers; deleted with the context.</summary>
    public string ScratchDir => _scratch.Value;

    /// <summary>Writes a progress line with a timestamp.</summary>
    /// <param name="message">The message.</param>
    public void Log(string message)
    {
        LogWriter.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
        LogWriter.Flush();
    }

    /// <summary>The cached value for a key, created on first use.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="create">Creates the value.</param>
    /// <returns>The value.</returns>
    public T GetOrCreate<T>(string key, Func<T> create)
        where T : notnull
    {
        if (_cache.TryGetValue(key, out object? value))
        {
            return (T)value;
        }

        T created = create();
        _cache[key] = created;
        return created;
    }

    /// <summary>The cached value for a key, if any.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="key">The key.</param>
    /// <returns>The value or default.</returns>
    public T? Find<T>(string key) => _cache.TryGetValue(key, out object? value) && value is T t ? t : default;

    /// <summary>Drops cached values whose key starts with a prefix (large data sets), disposing those that are disposable.</summary>
    /// <param name="prefix">The key prefix.</param>
    public void Evict(string prefix)
    {
        foreach (string key in _cache.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToList())
        {
            (_cache[key] as IDisposable)?.Dispose();
            _cache.Remove(key);
        }

        GC.Collect();
    }

    /// <summary>The one-line system load (<c>/proc/loadavg</c>), for the record of how noisy a run was.</summary>
    /// <returns>The 1/5/15-minute load averages, or "n/a".</returns>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (object value in _cache.Values)
        {
            (value as IDisposable)?.Dispose();
        }

        _cache.Clear();
        if (_scratch.IsValueCreated)
        {
            try
            {
                Directory.Delete(_scratch.Value, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
