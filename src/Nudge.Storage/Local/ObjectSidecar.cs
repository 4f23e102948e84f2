using System.Text.Json.Serialization;

namespace Nudge.Storage.Local;

/// <summary>
/// The properties of one object version, kept next to the data file in <c>.nudge/meta/{container}/{name}.meta.json</c>.
/// Length, MD5 and the data file's write time tie the sidecar to the data file it describes.
/// </summary>
internal sealed record ObjectSidecar
{
    public required string ETag { get; init; }

    public required long Length { get; init; }

    /// <summary>Base64 MD5; null only in descriptions of hand-placed files made without reading them.</summary>
    public required string? ContentMd5 { get; init; }

    public required string ContentType { get; init; }

    public required DateTimeOffset LastModified { get; init; }

    /// <summary>The data file's last write time (UTC ticks); renames keep it, so it identifies the data file.</summary>
    public long DataWriteTimeUtcTicks { get; init; }

    public Dictionary<string, string> Metadata { get; init; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ObjectSidecar))]
internal sealed partial class LocalStoreJsonContext : JsonSerializerContext;
