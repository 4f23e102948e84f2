using System.Diagnostics;

namespace Nudge.Storage.Local;

/// <summary>
/// An exclusive lock held as an open lock file with <see cref="FileShare.None"/> (an advisory <c>flock</c> on
/// Unix, a share-mode lock on Windows). It excludes other threads and other processes alike, and the operating
/// system releases it when the holder dies. Lock files are never deleted, so there is no delete/create race.
/// </summary>
internal sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static async Task<FileLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var elapsed = Stopwatch.StartNew();
        int delayMs = 1;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            IOException failure;
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1));
            }
            catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
            {
                // Held by another thread or process (EWOULDBLOCK / ERROR_SHARING_VIOLATION).
                failure = ex;
            }

            if (elapsed.Elapsed >= timeout)
            {
                throw new TimeoutException(
                    $"Timed out after {timeout.TotalSeconds:0.#} s waiting for the lock file '{path}', held by another writer.", failure);
            }

            await Task.Delay(Random.Shared.Next(delayMs, (2 * delayMs) + 1), cancellationToken).ConfigureAwait(false);
            delayMs = Math.Min(delayMs * 2, 25);
        }
    }

    public void Dispose() => _stream.Dispose();
}
