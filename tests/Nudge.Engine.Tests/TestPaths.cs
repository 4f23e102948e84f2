namespace Nudge.Engine.Tests;

/// <summary>Well-known locations for tests: the repository root and the shared reference data next to it.</summary>
internal static class TestPaths
{
    /// <summary>The directory that contains <c>Nudge.Functions.sln</c>, found by walking up from the test binaries.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The shared reference data folder, <c>../shared/reference</c> relative to the repository root.</summary>
    public static string SharedReference => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "reference"));

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nudge.Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"Could not find Nudge.Functions.sln in any parent of {AppContext.BaseDirectory}.");
    }
}
