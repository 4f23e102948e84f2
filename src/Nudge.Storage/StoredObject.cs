using Azure;

namespace Nudge.Storage;

/// <summary>
/// The content of an object together with the properties of exactly that version.
/// </summary>
/// <param name="Properties">Properties (ETag, metadata, ...) of the version whose bytes are in <paramref name="Content"/>.</param>
/// <param name="Content">The object's bytes.</param>
public sealed record StoredObject(ObjectProperties Properties, ReadOnlyMemory<byte> Content)
{
    /// <summary>The version tag of <see cref="Content"/>; pass it as <c>ifMatch</c> to update this exact version.</summary>
    public ETag ETag => Properties.ETag;

    /// <summary>User metadata of this version.</summary>
    public IReadOnlyDictionary<string, string> Metadata => Properties.Metadata;
}
