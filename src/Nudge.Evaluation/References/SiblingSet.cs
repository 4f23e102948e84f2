using System.Text.Json;
using Nudge.Mitigation.Embedding;

namespace Nudge.Evaluation.References;

/// <summary>
/// The reference set of genuinely new images: <i>siblings</i> of each memorized image, rendered by the memorized set's
/// generator with other seeds (the same subject in a new composition), from <c>memorized/siblings/</c> of the model
/// folder (<c>siblings.json</c> plus one PNG strip of 64×64 tiles per memorized image). Every copy threshold of the
/// evaluation is set on them, and they are the band a nudged output should fall into.
/// </summary>
public sealed class SiblingSet
{
    private SiblingSet(IReadOnlyDictionary<string, IReadOnlyList<RgbImage>> byId, IReadOnlyList<long> seeds)
    {
        ById = byId;
        Seeds = seeds;
    }

    /// <summary>Siblings per memorized id, in seed order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<RgbImage>> ById { get; }

    /// <summary>The generator seeds of the tiles.</summary>
    public IReadOnlyList<long> Seeds { get; }

    /// <summary>Reads a model folder's siblings, or returns null when it has none.</summary>
    /// <param name="modelFolder">The model folder.</param>
    /// <returns>The set, or null.</returns>
    /// <exception cref="InvalidDataException">The description or a strip is malformed.</exception>
    public static SiblingSet? Read(string modelFolder)
    {
        var folder = Path.Combine(modelFolder, "memorized", "siblings");
        var description = Path.Combine(folder, "siblings.json");
        if (!File.Exists(description))
        {
            return null;
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(description));
        var root = doc.RootElement;
        var seeds = root.GetProperty("seeds").EnumerateArray().Select(s => s.GetInt64()).ToArray();
        var tile = root.GetProperty("tile").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var result = new Dictionary<string, IReadOnlyList<RgbImage>>(StringComparer.Ordinal);
        foreach (var file in root.GetProperty("files").EnumerateObject())
        {
            var strip = RgbImage.Decode(File.ReadAllBytes(Path.Combine(folder, file.Value.GetString()!)));
            if (strip.Height != tile[1] || strip.Width != tile[0] * seeds.Length)
            {
                throw new InvalidDataException($"{file.Value.GetString()}: expected {seeds.Length} tiles of {tile[0]}×{tile[1]}, got {strip.Width}×{strip.Height}");
            }

            result[file.Name] = [.. Enumerable.Range(0, seeds.Length).Select(k => Tile(strip, k, tile[0], tile[1]))];
        }

        return new SiblingSet(result, seeds);
    }

    private static RgbImage Tile(RgbImage strip, int k, int w, int h)
    {
        var rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
        {
            Array.Copy(strip.Rgb, ((y * strip.Width) + (k * w)) * 3, rgb, y * w * 3, w * 3);
        }

        return new RgbImage(rgb, w, h);
    }
}
