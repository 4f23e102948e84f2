using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;

namespace Nudge.Storage.Local;

/// <summary>
/// An <see cref="IObjectStore"/> over a local folder, for the CLI and for tests: each container is a folder and
/// each object a plain file (<c>{root}/{container}/{name}</c>), so outputs can be opened directly.
/// </summary>
/// <remarks>
/// <para>
/// Writes never modify a file in place: the content goes to a temporary file that is renamed over the object
/// (<see cref="File.Move(string, string, bool)"/>), so readers see the old or the new bytes, never a mix.
/// Properties (ETag, content type, metadata, length, MD5) live in a sidecar under <c>.nudge/meta/</c>.
/// Every mutation runs under an exclusive lock file (see <see cref="LocalFolderStoreOptions.LockTimeout"/>),
/// which serializes writers across threads and processes; the new sidecar is staged as <c>*.pending</c> before
/// the data rename and promoted after it, so a writer that dies between the two renames is rolled forward (or
/// back) by the next operation on that object.
/// </para>
/// <para>
/// Reads take no lock: they read the sidecar and the data file and accept the pair only when length and MD5
/// agree, retrying (and finally locking) while a writer is mid-update. Files put into a container folder by
/// hand are objects too (content type <c>application/octet-stream</c>, no metadata).
/// </para>
/// <para>
/// File system limits apply: an object named <c>a</c> and one named <c>a/b</c> cannot coexist (the second write
/// fails with <see cref="IOException"/>).
/// </para>
/// </remarks>
public sealed class LocalFolderObjectStore : IObjectStore
{
    private const int OptimisticReadAttempts = 4;

    private readonly LocalFolderLayout _layout;
    private readonly TimeSpan _lockTimeout;
    private readonly bool _flushToDisk;

    /// <summary>Creates a store rooted at <see cref="LocalFolderStoreOptions.RootPath"/> (created on first write).</summary>
    /// <param name="options">The configuration; its values are copied.</param>
    public LocalFolderObjectStore(LocalFolderStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.RootPath))
        {
            throw new ArgumentException("LocalFolderStoreOptions.RootPath is required.", nameof(options));
        }

        if (options.LockTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("LocalFolderStoreOptions.LockTimeout must be positive.", nameof(options));
        }

        _layout = new LocalFolderLayout(options.RootPath);
        _lockTimeout = options.LockTimeout;
        _flushToDisk = options.FlushToDisk;
    }

    private enum ReadOutcome
    {
        Missing,
        Consistent,
        InFlux,
    }

    /// <summary>The full path of the root folder.</summary>
    public string RootPath => _layout.Root;

    /// <inheritdoc />
    public async Task<StoredObject> ReadAsync(string container, string name, CancellationToken cancellationToken = default)
    {
        ValidateAddress(container, name);
        Snapshot snapshot = await ReadSnapshotAsync(container, name, includeContent: true, cancellationToken).ConfigureAwait(false)
            ?? throw new ObjectNotFoundException(container, name);
        return new StoredObject(snapshot.Properties, snapshot.Content);
    }

    /// <inheritdoc />
    public async Task<ObjectProperties> GetPropertiesAsync(string container, string name, CancellationToken cancellationToken = default)
    {
        ValidateAddress(container, name);
        Snapshot snapshot = await ReadSnapshotAsync(container, name, includeContent: false, cancellationToken).ConfigureAwait(false)
            ?? throw new ObjectNotFoundException(container, name);
        return snapshot.Properties;
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(string container, string name, CancellationToken cancellationToken = default)
    {
        ValidateAddress(container, name);
        cancellationToken.ThrowIfCancellationRequested();

        // The data file is renamed into place last and deleted first: it alone decides existence.
        return Task.FromResult(File.Exists(_layout.DataPath(container, name)));
    }

    /// <inheritdoc />
    public async Task<bool> WriteIfAbsentAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string? contentType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        ValidateAddress(container, name);
        StorageNames.ValidateMetadata(metadata);
        using FileLock fileLock = await LockAsync(container, name, cancellationToken).ConfigureAwait(false);
        return WriteLocked(container, name, content.Span, contentType, metadata, ifAbsent: true, ifMatch: null) is not null;
    }

    /// <inheritdoc />
    public async Task<ETag> WriteAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string? contentType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        ETag? ifMatch = null,
        CancellationToken cancellationToken = default)
    {
        ValidateAddress(container, name);
        StorageNames.ValidateMetadata(metadata);
        using FileLock fileLock = await LockAsync(container, name, cancellationToken).ConfigureAwait(false);
        ObjectSidecar written = WriteLocked(container, name, content.Span, contentType, metadata, ifAbsent: false, ifMatch)!;
        return new ETag(written.ETag);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string container, string name, ETag? ifMatch = null, CancellationToken cancellationToken = default)
    {
        ValidateAddress(container, name);
        using FileLock fileLock = await LockAsync(container, name, cancellationToken).ConfigureAwait(false);
        string dataPath = _layout.DataPath(container, name);
        string sidecarPath = _layout.SidecarPath(container, name);
        if (ifMatch is { } expected)
        {
            ObjectSidecar? current = EnsureSidecarLocked(container, name, content: null);
            if (current is null)
            {
                return false;
            }

            CheckPrecondition(container, name, current, expected);
        }
        else
        {
            RecoverPendingLocked(container, name);
        }

        if (!File.Exists(dataPath))
        {
            DeleteFileIfPresent(sidecarPath);
            return false;
        }

        // Data first: once it is gone the object is gone, whatever happens to the sidecar.
        File.Delete(dataPath);
        DeleteFileIfPresent(sidecarPath);
        return true;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ObjectProperties> ListAsync(
        string container,
        string? prefix = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        StorageNames.ValidateContainerName(container);
        prefix ??= string.Empty;
        string containerDirectory = _layout.ContainerDirectory(container);
        string searchDirectory = containerDirectory;
        int lastSlash = prefix.LastIndexOf('/');
        if (lastSlash > 0)
        {
            // Start below the folders the prefix names; an impossible folder lists nothing.
            string folder = prefix[..lastSlash];
            if (!StorageNames.IsValidObjectName(folder))
            {
                yield break;
            }

            searchDirectory = Path.Combine(containerDirectory, folder.Replace('/', Path.DirectorySeparatorChar));
        }

        if (!Directory.Exists(searchDirectory))
        {
            yield break;
        }

        var enumeration = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        List<string> names = Directory.EnumerateFiles(searchDirectory, "*", enumeration)
            .Select(path => Path.GetRelativePath(containerDirectory, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && StorageNames.IsValidObjectName(name))
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (string name in names)
        {
            if (await ReadSnapshotAsync(container, name, includeContent: false, cancellationToken).ConfigureAwait(false) is { } snapshot)
            {
                yield return snapshot.Properties;
            }
        }
    }

    /// <inheritdoc />
    public async Task<ETag> SetMetadataAsync(
        string container,
        string name,
        IReadOnlyDictionary<string, string> metadata,
        ETag? ifMatch = null,
        CancellationToken cancellationToken = default)
    {
        ValidateAddress(container, name);
        ArgumentNullException.ThrowIfNull(metadata);
        StorageNames.ValidateMetadata(metadata);
        using FileLock fileLock = await LockAsync(container, name, cancellationToken).ConfigureAwait(false);
        ObjectSidecar current = EnsureSidecarLocked(container, name, content: null)
            ?? throw new ObjectNotFoundException(container, name);
        if (ifMatch is { } expected)
        {
            CheckPrecondition(container, name, current, expected);
        }

        ObjectSidecar updated = current with
        {
            ETag = NewETag(),
            LastModified = DateTimeOffset.UtcNow,
            Metadata = new Dictionary<string, string>(metadata),
        };
        WriteSidecarAtomically(_layout.SidecarPath(container, name), updated);
        return new ETag(updated.ETag);
    }

    /// <inheritdoc />
    public async Task<ObjectProperties> CopyAsync(
        string sourceContainer,
        string sourceName,
        string destinationContainer,
        string destinationName,
        CancellationToken cancellationToken = default)
    {
        StorageNames.ValidateContainerName(sourceContainer, nameof(sourceContainer));
        StorageNames.ValidateObjectName(sourceName, nameof(sourceName));
        StorageNames.ValidateContainerName(destinationContainer, nameof(destinationContainer));
        StorageNames.ValidateObjectName(destinationName, nameof(destinationName));
        if (sourceContainer == destinationContainer && sourceName == destinationName)
        {
            throw new ArgumentException($"Cannot copy '{sourceContainer}/{sourceName}' onto itself.", nameof(destinationName));
        }

        Snapshot source = await ReadSnapshotAsync(sourceContainer, sourceName, includeContent: true, cancellationToken).ConfigureAwait(false)
            ?? throw new ObjectNotFoundException(sourceContainer, sourceName);
        string sourceMd5 = ContentHash.Md5Base64(source.Content.Span);

        using FileLock fileLock = await LockAsync(destinationContainer, destinationName, cancellationToken).ConfigureAwait(false);
        ObjectSidecar written = WriteLocked(
            destinationContainer,
            destinationName,
            source.Content.Span,
            source.Properties.ContentType,
            source.Properties.Metadata,
            ifAbsent: false,
            ifMatch: null)!;

        // Verify what is on disk now (still under the lock, so nobody else has replaced it).
        (string copiedMd5, long copiedLength) = await HashFileAsync(_layout.DataPath(destinationContainer, destinationName), cancellationToken).ConfigureAwait(false);
        if (copiedLength != source.Content.Length || copiedMd5 != sourceMd5)
        {
            throw new InvalidDataException(
                $"Copy of '{sourceContainer}/{sourceName}' to '{destinationContainer}/{destinationName}' failed verification: " +
                $"expected {source.Content.Length} bytes with MD5 {sourceMd5}, found {copiedLength} bytes with MD5 {copiedMd5}.");
        }

        return ToProperties(destinationContainer, destinationName, written);
    }

    private static void ValidateAddress(string container, string name)
    {
        StorageNames.ValidateContainerName(container);
        StorageNames.ValidateObjectName(name);
    }

    private static string NewETag() => $"0x{Guid.NewGuid():N}";

    /// <summary>The ETag of a file that has no sidecar yet: derived from the file, so every process computes the same one.</summary>
    private static string SyntheticETag(long length, long writeTimeUtcTicks) => $"f{length:x}-{writeTimeUtcTicks:x}";

    private static void CheckPrecondition(string container, string name, ObjectSidecar current, ETag expected)
    {
        if (expected != ETag.All && new ETag(current.ETag) != expected)
        {
            throw new PreconditionFailedException(container, name, $"expected ETag {expected}, found {current.ETag}.");
        }
    }

    private static ObjectProperties ToProperties(string container, string name, ObjectSidecar sidecar) =>
        new(container, name, sidecar.Length, new ETag(sidecar.ETag), sidecar.ContentType, sidecar.ContentMd5, sidecar.LastModified,
            MetadataDictionary.Copy(sidecar.Metadata));

    private static ObjectSidecar? TryReadSidecar(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), LocalStoreJsonContext.Default.ObjectSidecar);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
            // Sidecars are only ever replaced by rename, so a broken one was edited by hand: describe the file afresh.
            return null;
        }
    }

    private static async Task<(string Md5, long Length)> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16, useAsync: true);
        return await ContentHash.Md5Base64Async(stream, cancellationToken).ConfigureAwait(false);
    }

    private static string HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        return Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(stream));
    }

    private Task<FileLock> LockAsync(string container, string name, CancellationToken cancellationToken) =>
        FileLock.AcquireAsync(_layout.LockPath(container, name), _lockTimeout, cancellationToken);

    private async Task<Snapshot?> ReadSnapshotAsync(string container, string name, bool includeContent, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < OptimisticReadAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (TryReadUnlocked(container, name, includeContent, out Snapshot snapshot))
            {
                case ReadOutcome.Missing:
                    return null;
                case ReadOutcome.Consistent:
                    return snapshot;
            }

            await Task.Delay(Random.Shared.Next(1, 4 << attempt), cancellationToken).ConfigureAwait(false);
        }

        // A writer is between its two renames, or died there: read under the lock, which repairs the latter.
        using FileLock fileLock = await LockAsync(container, name, cancellationToken).ConfigureAwait(false);
        string dataPath = _layout.DataPath(container, name);
        byte[]? content = null;
        if (includeContent)
        {
            try
            {
                content = File.ReadAllBytes(dataPath);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                RecoverPendingLocked(container, name);
                return null;
            }
        }

        ObjectSidecar? sidecar = EnsureSidecarLocked(container, name, content);
        return sidecar is null ? null : new Snapshot(ToProperties(container, name, sidecar), content ?? ReadOnlyMemory<byte>.Empty);
    }

    private ReadOutcome TryReadUnlocked(string container, string name, bool includeContent, out Snapshot snapshot)
    {
        snapshot = default;
        ObjectSidecar? sidecar = TryReadSidecar(_layout.SidecarPath(container, name));
        byte[]? content = null;
        long length;
        long writeTicks;
        try
        {
            // Files are replaced by rename, never rewritten: an open handle reads one version from start to end.
            using var stream = new FileStream(_layout.DataPath(container, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            length = stream.Length;
            writeTicks = File.GetLastWriteTimeUtc(stream.SafeFileHandle).Ticks;
            if (includeContent)
            {
                content = new byte[length];
                stream.ReadExactly(content);
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return ReadOutcome.Missing;
        }

        if (sidecar is null)
        {
            if (File.Exists(_layout.PendingSidecarPath(container, name)))
            {
                return ReadOutcome.InFlux;
            }

            // A file put there by hand: describe it as it is.
            sidecar = DescribeFile(length, writeTicks, content is null ? null : ContentHash.Md5Base64(content), previous: null);
        }
        else if (sidecar.Length != length ||
                 (content is null ? sidecar.DataWriteTimeUtcTicks != writeTicks : ContentHash.Md5Base64(content) != sidecar.ContentMd5))
        {
            return ReadOutcome.InFlux;
        }

        snapshot = new Snapshot(ToProperties(container, name, sidecar), content ?? ReadOnlyMemory<byte>.Empty);
        return ReadOutcome.Consistent;
    }

    /// <summary>
    /// Under the lock: finishes or discards a write that died between its renames, then returns the sidecar that
    /// describes the data file (writing one if the file has none or was edited by hand), or null if there is no object.
    /// </summary>
    private ObjectSidecar? EnsureSidecarLocked(string container, string name, byte[]? content)
    {
        RecoverPendingLocked(container, name);
        string dataPath = _layout.DataPath(container, name);
        string sidecarPath = _layout.SidecarPath(container, name);
        var file = new FileInfo(dataPath);
        if (!file.Exists)
        {
            DeleteFileIfPresent(sidecarPath);
            return null;
        }

        long length = content?.LongLength ?? file.Length;
        long writeTicks = file.LastWriteTimeUtc.Ticks;
        ObjectSidecar? sidecar = TryReadSidecar(sidecarPath);
        if (sidecar is not null && sidecar.Length == length)
        {
            bool matches = content is not null
                ? ContentHash.Md5Base64(content) == sidecar.ContentMd5
                : sidecar.DataWriteTimeUtcTicks == writeTicks || HashFile(dataPath) == sidecar.ContentMd5;
            if (matches)
            {
                return sidecar;
            }
        }

        string md5 = content is not null ? ContentHash.Md5Base64(content) : HashFile(dataPath);
        ObjectSidecar described = DescribeFile(length, writeTicks, md5, sidecar);
        Directory.CreateDirectory(Path.GetDirectoryName(sidecarPath)!);
        WriteSidecarAtomically(sidecarPath, described);
        return described;
    }

    private static void DeleteFileIfPresent(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing there to delete.
        }
    }

    private static ObjectSidecar DescribeFile(long length, long writeTicks, string? md5, ObjectSidecar? previous) => new()
    {
        ETag = SyntheticETag(length, writeTicks),
        Length = length,
        ContentMd5 = md5,
        ContentType = previous?.ContentType ?? StorageNames.DefaultContentType,
        LastModified = new DateTimeOffset(writeTicks, TimeSpan.Zero),
        DataWriteTimeUtcTicks = writeTicks,
        Metadata = previous?.Metadata ?? [],
    };

    /// <summary>Under the lock: a pending sidecar left by a dead writer is promoted if its data made it into place, else dropped.</summary>
    private void RecoverPendingLocked(string container, string name)
    {
        string pendingPath = _layout.PendingSidecarPath(container, name);
        if (!File.Exists(pendingPath))
        {
            return;
        }

        ObjectSidecar? pending = TryReadSidecar(pendingPath);
        string dataPath = _layout.DataPath(container, name);
        var file = new FileInfo(dataPath);
        if (pending is not null && file.Exists && file.Length == pending.Length &&
            file.LastWriteTimeUtc.Ticks == pending.DataWriteTimeUtcTicks && HashFile(dataPath) == pending.ContentMd5)
        {
            File.Move(pendingPath, _layout.SidecarPath(container, name), overwrite: true);
        }
        else
        {
            File.Delete(pendingPath);
        }
    }

    /// <summary>Under the lock: writes the object, or returns null when <paramref name="ifAbsent"/> finds it present.</summary>
    private ObjectSidecar? WriteLocked(
        string container,
        string name,
        ReadOnlySpan<byte> content,
        string? contentType,
        IReadOnlyDictionary<string, string>? metadata,
        bool ifAbsent,
        ETag? ifMatch)
    {
        ObjectSidecar? current = EnsureSidecarLocked(container, name, content: null);
        if (ifAbsent && current is not null)
        {
            return null;
        }

        if (ifMatch is { } expected)
        {
            if (current is null)
            {
                throw new PreconditionFailedException(container, name, $"expected ETag {expected}, but the object does not exist.");
            }

            CheckPrecondition(container, name, current, expected);
        }

        string dataPath = _layout.DataPath(container, name);
        string sidecarPath = _layout.SidecarPath(container, name);
        string pendingPath = _layout.PendingSidecarPath(container, name);
        string tempPath = WriteTempFile(content);
        try
        {
            var sidecar = new ObjectSidecar
            {
                ETag = NewETag(),
                Length = content.Length,
                ContentMd5 = ContentHash.Md5Base64(content),
                ContentType = string.IsNullOrWhiteSpace(contentType) ? StorageNames.DefaultContentType : contentType,
                LastModified = DateTimeOffset.UtcNow,
                DataWriteTimeUtcTicks = File.GetLastWriteTimeUtc(tempPath).Ticks,
                Metadata = metadata is null ? [] : new Dictionary<string, string>(metadata),
            };

            // 1. stage the new sidecar, 2. rename the data into place (the commit), 3. promote the sidecar.
            Directory.CreateDirectory(Path.GetDirectoryName(sidecarPath)!);
            WriteSidecarAtomically(pendingPath, sidecar);
            Directory.CreateDirectory(Path.GetDirectoryName(dataPath)!);
            try
            {
                File.Move(tempPath, dataPath, overwrite: !ifAbsent);
            }
            catch (IOException) when (ifAbsent && File.Exists(dataPath))
            {
                // Someone bypassing the lock (a file dropped in by hand) got there first: it is not ours to replace.
                File.Delete(pendingPath);
                return null;
            }

            File.Move(pendingPath, sidecarPath, overwrite: true);
            return sidecar;
        }
        finally
        {
            File.Delete(tempPath);
        }
    }

    private string WriteTempFile(ReadOnlySpan<byte> content)
    {
        Directory.CreateDirectory(_layout.TempDirectory);
        string path = _layout.NewTempPath();
        try
        {
            using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            stream.Write(content);
            if (_flushToDisk)
            {
                stream.Flush(flushToDisk: true);
            }
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        return path;
    }

    private void WriteSidecarAtomically(string path, ObjectSidecar sidecar)
    {
        string tempPath = WriteTempFile(JsonSerializer.SerializeToUtf8Bytes(sidecar, LocalStoreJsonContext.Default.ObjectSidecar));
        try
        {
            File.Move(tempPath, path, overwrite: true);
        }
        finally
        {
            File.Delete(tempPath);
        }
    }

    private readonly record struct Snapshot(ObjectProperties Properties, ReadOnlyMemory<byte> Content);
}
