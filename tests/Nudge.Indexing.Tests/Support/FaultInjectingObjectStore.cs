using Azure;
using Nudge.Storage;

namespace Nudge.Indexing.Tests.Support;

/// <summary>
/// Forwards to another store, but "crashes" (throws <see cref="SimulatedCrashException"/> without writing) on
/// writes to the objects <see cref="FailWritesTo"/> selects: a process dying just before that write.
/// </summary>
public sealed class FaultInjectingObjectStore(IObjectStore inner) : IObjectStore
{
    public Func<string, string, bool> FailWritesTo { get; set; } = (_, _) => false;

    public List<string> Written { get; } = [];

    public Task<StoredObject> ReadAsync(string container, string name, CancellationToken cancellationToken = default) =>
        inner.ReadAsync(container, name, cancellationToken);

    public Task<ObjectProperties> GetPropertiesAsync(string container, string name, CancellationToken cancellationToken = default) =>
        inner.GetPropertiesAsync(container, name, cancellationToken);

    public Task<bool> ExistsAsync(string container, string name, CancellationToken cancellationToken = default) =>
        inner.ExistsAsync(container, name, cancellationToken);

    public Task<bool> WriteIfAbsentAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string? contentType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        CancellationToken cancellationToken = default)
    {
        CrashIfSelected(container, name);
        return inner.WriteIfAbsentAsync(container, name, content, contentType, metadata, cancellationToken);
    }

    public Task<ETag> WriteAsync(
        string container,
        string name,
        ReadOnlyMemory<byte> content,
        string? contentType = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        ETag? ifMatch = null,
        CancellationToken cancellationToken = default)
    {
        CrashIfSelected(container, name);
        return inner.WriteAsync(container, name, content, contentType, metadata, ifMatch, cancellationToken);
    }

    public Task<bool> DeleteAsync(string container, string name, ETag? ifMatch = null, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(container, name, ifMatch, cancellationToken);

    public IAsyncEnumerable<ObjectProperties> ListAsync(string container, string? prefix = null, CancellationToken cancellationToken = default) =>
        inner.ListAsync(container, prefix, cancellationToken);

    public Task<ETag> SetMetadataAsync(
        string container,
        string name,
        IReadOnlyDictionary<string, string> metadata,
        ETag? ifMatch = null,
        CancellationToken cancellationToken = default)
    {
        CrashIfSelected(container, name);
        return inner.SetMetadataAsync(container, name, metadata, ifMatch, cancellationToken);
    }

    public Task<ObjectProperties> CopyAsync(
        string sourceContainer,
        string sourceName,
        string destinationContainer,
        string destinationName,
        CancellationToken cancellationToken = default)
    {
        CrashIfSelected(destinationContainer, destinationName);
        return inner.CopyAsync(sourceContainer, sourceName, destinationContainer, destinationName, cancellationToken);
    }

    private void CrashIfSelected(string container, string name)
    {
        if (FailWritesTo(container, name))
        {
            throw new SimulatedCrashException($"simulated crash before writing '{container}/{name}'");
        }

        lock (Written)
        {
            Written.Add(name);
        }
    }
}
