namespace Nudge.Testing;

/// <summary>The repository root: the first folder above the test binaries that holds <c>Nudge.Functions.sln</c>.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> s_path = new(Find);

    /// <summary>The root's full path.</summary>
    public static string Path => s_path.Value;

    private static string Find()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(d.FullName, "Nudge.Functions.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException($"No Nudge.Functions.sln above the test binaries ({AppContext.BaseDirectory}).");
    }
}
