namespace Nudge.Cli.Console;

/// <summary>Finds a folder by walking up from the working folder, then from the program's folder.</summary>
internal static class UpwardSearch
{
    /// <summary>The first folder, nearest first, for which <paramref name="matches"/> holds; null when none does.</summary>
    public static string? Find(Func<string, bool> matches)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                if (matches(d.FullName))
                {
                    return d.FullName;
                }
            }
        }

        return null;
    }
}
