using System.Security.Cryptography;
using System.Text.Json;
using Nudge.Engine.Generation;
using Nudge.Engine.Models;

namespace Nudge.Mitigation.Pipeline;

/// <summary>
/// The record of one guarded image, built the same way by every host (the CLI's <c>generate</c> and the image
/// activity): the first pass's settings and id, the returned PNG's hash (none when blocked) and the nudge report.
/// </summary>
public static class GuardedImageRecord
{
    /// <summary>Builds the record.</summary>
    /// <param name="result">The guarded generation (count 1 in every host, so ids match across them).</param>
    /// <param name="image">Its image.</param>
    /// <param name="model">The model that made it.</param>
    /// <param name="index">The image's position in its job.</param>
    /// <param name="fileName">The PNG's file name, or null to use <c>{id}.png</c>.</param>
    /// <returns>The record; <see cref="ImageRecord.File"/> and <see cref="ImageRecord.PngSha256"/> are empty when nothing is returned.</returns>
    public static ImageRecord Create(GuardedResult result, GuardedImage image, StableDiffusionModel model, int index, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(image);
        var record = ImageRecord.Create(result.Generation, image.Unmodified, model);
        var report = NudgeReport.Create(result, image);
        return record with
        {
            Index = index,
            File = image.Image is null ? "" : fileName ?? record.File,
            PngSha256 = image.Image is null ? "" : Convert.ToHexStringLower(SHA256.HashData(image.Image.Png.Span)),
            Extensions = new Dictionary<string, JsonElement> { ["nudge"] = JsonSerializer.SerializeToElement(report, ImageRecord.JsonOptions) },
        };
    }
}
