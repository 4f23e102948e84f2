namespace Nudge.Storage.Local;

/// <summary>Configuration of a <see cref="LocalFolderObjectStore"/>.</summary>
public sealed class LocalFolderStoreOptions
{
    /// <summary>
    /// The root folder. Each container is a sub-folder holding the objects as plain files; the store keeps its
    /// own state (metadata sidecars, lock files, temporary files) under <c>.nudge/</c>, which is never a valid
    /// container name. Required.
    /// </summary>
    public string RootPath { get; set; } = string.Empty;

    /// <summary>
    /// How long a writer waits for another writer of the same object (in this or another process) before
    /// giving up with a <see cref="TimeoutException"/>. Default 30 s.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether written files are flushed to the disk before they are renamed into place, so that a power
    /// failure cannot leave an empty or torn object behind. Default <see langword="true"/>.
    /// </summary>
    public bool FlushToDisk { get; set; } = true;
}
