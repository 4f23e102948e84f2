using System.Text.Json;
using Nudge.Engine.Imaging;
using Nudge.Engine.Models;
using Nudge.Indexing;
using Nudge.Mitigation.Embedding;
using Nudge.Engine.Generation;

namespace Nudge.Mitigation.Indices;

/// <summary>One memorized training image of a model folder (<c>memorized/memorized.jsonl</c>).</summary>
/// <param name="Id">Its id.</param>
/// <param name="Caption">Its unique caption.</param>
/// <param name="Path">The PNG.</param>
/// <param name="Image">The pixels.</param>
public sealed record MemorizedImage(string Id, string Caption, string Path, RgbImage Image)
{
    /// <summary>Words of the caption that make the model reproduce the image (<c>trigger_words</c>; empty when not given).</summary>
    public IReadOnlyList<string> TriggerWords { get; init; } = [];
}

/// <summary>Reads a model's memorized set and turns it into undesired index entries.</summary>
public static class MemorizedSet
{
    /// <summary>Reads <c>memorized/memorized.jsonl</c>.</summary>
    /// <param name="modelFolder">The model folder.</param>
    /// <returns>The images.</returns>
    /// <exception cref="FileNotFoundException">The model has no memorized set.</exception>
    public static IReadOnlyList<MemorizedImage> Read(string modelFolder)
    {
        var folder = System.IO.Path.Combine(modelFolder, "memorized");
        var list = System.IO.Path.Combine(folder, "memorized.jsonl");
        if (!File.Exists(list))
        {
            throw new FileNotFoundException($"{list}: the model has no memorized set", list);
        }

        var result = new List<MemorizedImage>();
        foreach (var line in File.ReadLines(list).Where(l => l.Trim().Length > 0))
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            var path = System.IO.Path.Combine(folder, r.GetProperty("file").GetString()!);
            var triggers = r.TryGetProperty("trigger_words", out var t) ? t.EnumerateArray().Select(w => w.GetString()!).ToArray() : [];
            result.Add(new MemorizedImage(r.GetProperty("id").GetString()!, r.GetProperty("caption").GetString()!, path, RgbImage.Decode(File.ReadAllBytes(path)))
            {
                TriggerWords = triggers,
            });
        }

        return result;
    }

    /// <summary>
    /// Entries of the embedder's undesired index for the memorized set: a text entry per caption (for the prompt
    /// pre-check) and, only when the model has no copy detector, an image entry per image (embedding and VAE latent,
    /// scaled as the UNet sees it), which then is the memorization check. With a copy detector the images go to
    /// <see cref="ToCopyEntries"/> instead, so the model that judges copies is not the one the nudge steers by.
    /// </summary>
    /// <param name="images">The memorized images.</param>
    /// <param name="embedder">The embedder.</param>
    /// <param name="model">The model (its VAE encoder makes the latents).</param>
    /// <returns>The entries.</returns>
    public static IReadOnlyList<IndexEntry> ToEntries(IReadOnlyList<MemorizedImage> images, ClipEmbedder embedder, StableDiffusionModel model)
    {
        bool withImages = model.CopyDetector is null;
        var embeds = withImages ? embedder.EmbedImages([.. images.Select(i => i.Image)]) : [];
        var captions = embedder.EmbedTexts([.. images.Select(i => i.Caption)]);
        var entries = new List<IndexEntry>();
        for (int i = 0; i < images.Count; i++)
        {
            var img = images[i];
            if (withImages)
            {
                entries.Add(ImageEntry(img, embeds[i], model));
            }

            entries.Add(new IndexEntry
            {
                Id = img.Id + ":caption",
                Kind = IndexEntryKind.Text,
                Embedding = captions[i],
                Caption = img.Caption,
                Source = img.Path,
            });
        }

        return entries;
    }

    /// <summary>
    /// Entries of the memorized index: each image's copy descriptor, with its caption, trigger words and VAE latent
    /// (the latent nudge's push target).
    /// </summary>
    /// <param name="images">The memorized images.</param>
    /// <param name="detector">The copy detector.</param>
    /// <param name="model">The model (its VAE encoder makes the latents).</param>
    /// <returns>The entries.</returns>
    public static IReadOnlyList<IndexEntry> ToCopyEntries(IReadOnlyList<MemorizedImage> images, CopyDetector detector, StableDiffusionModel model)
    {
        var descriptors = detector.Describe([.. images.Select(i => i.Image)]);
        return [.. images.Select((img, i) => ImageEntry(img, descriptors[i], model))];
    }

    private static IndexEntry ImageEntry(MemorizedImage img, float[] embedding, StableDiffusionModel model) => new()
    {
        Id = img.Id,
        Kind = IndexEntryKind.Image,
        Embedding = embedding,
        Caption = img.Caption,
        TriggerWords = img.TriggerWords,
        Latent = LatentEncoder.Encode(model, img.Image.Rgb, img.Image.Width, img.Image.Height),
        LatentShape = LatentEncoder.LatentShape(model, img.Image.Width, img.Image.Height),
        Source = img.Path,
    };
}
