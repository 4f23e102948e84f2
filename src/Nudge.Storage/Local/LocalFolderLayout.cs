namespace Nudge.Storage.Local;

/// <summary>
/// Where a <see cref="LocalFolderObjectStore"/> keeps things under its root:
/// data at <c>{container}/{name}</c>; sidecars, lock files and temporary files under <c>.nudge/</c>
/// (a name no container can have), all on the same volume so renames are atomic.
/// </summary>
internal sealed class LocalFolderLayout
{
    public const string StateFolderName = ".nudge";
    private const int LockStripes = 64;

    public LocalFolderLayout(string root)
    {
        Root = Path.GetFullPath(root);
        StateRoot = Path.Combine(Root, StateFolderName);
        TempDirectory = Path.Combine(StateRoot, "tmp");
    }

    public string Root { get; }

    public string StateRoot { get; }

    public string TempDirectory { get; }

    public string ContainerDirectory(string container) => Path.Combine(Root, container);

    public string DataPath(string container, string name) => Path.Combine(Root, container, ToRelativePath(name));

    public string SidecarPath(string container, string name) =>
        Path.Combine(StateRoot, "meta", container, ToRelativePath(name) + ".meta.json");

    /// <summary>The sidecar of a write in progress: written before the data file is renamed into place, promoted after.</summary>
    public string PendingSidecarPath(string container, string name) => SidecarPath(container, name) + ".pending";

    /// <summary>Objects share 64 lock files per container (striped by a hash of the name): few files, rare false sharing.</summary>
    public string LockPath(string container, string name) =>
        Path.Combine(StateRoot, "locks", container, $"{Stripe(name):x2}.lock");

    public string NewTempPath() => Path.Combine(TempDirectory, $"{Guid.NewGuid():N}.tmp");

    private static string ToRelativePath(string name) =>
        Path.DirectorySeparatorChar == '/' ? name : name.Replace('/', Path.DirectorySeparatorChar);

    private static uint Stripe(string name)
    {
        // FNV-1a: stable across processes and runtimes, unlike string.GetHashCode.
        uint hash = 2166136261;
        foreach (char c in name)
        {
            hash = (hash ^ c) * 16777619;
        }

        return hash % LockStripes;
    }
}
