namespace Nudge.Engine.Tests;

internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string SharedReference => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "reference"));

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Nudge.Functions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException(
            $"No folder above '{AppContext.BaseDirectory}' holds Nudge.Functions.sln, so the repository root is unknown.");
    }
}
