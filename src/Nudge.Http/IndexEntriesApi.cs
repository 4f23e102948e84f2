using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Nudge.Engine.Generation;
using Nudge.Indexing;
using Nudge.Mitigation.Embedding;
using Nudge.Mitigation.Intake;
using Nudge.Orchestration;
using Nudge.Storage;

namespace Nudge.Http;

/// <summary>
/// <c>GET|POST|DELETE /api/indices/{name}/entries</c>: list, add (a text, or an image already uploaded to a
/// container) and remove entries of a named embedding index. Embeddings come from the loaded model's embedder.
/// </summary>
public sealed class IndexEntriesApi(NudgeWorkerServices services)
{
    /// <summary>Largest accepted request body, in bytes (an entry names its image; it does not carry it).</summary>
    public const int MaxBodyBytes = 16 * 1024;

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Lists the entries (without their vectors).</summary>
    /// <param name="name">The index name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>200 with the entries, or 404.</returns>
    public async Task<IActionResult> ListAsync(string name, CancellationToken cancellationToken = default)
    {
        var index = await services.Indices.LoadAsync(name, cancellationToken: cancellationToken);
        if (!index.Exists)
        {
            return ApiResults.Problem(StatusCodes.Status404NotFound, "No such index.", name);
        }

        return new OkObjectResult(new
        {
            name,
            count = index.Count,
            dimension = index.Dimension,
            entries = index.Entries.Select(e => new { id = e.Id, kind = e.Kind.ToString().ToLowerInvariant(), caption = e.Caption, threshold = e.Threshold, source = e.Source, added_at = e.AddedAt }),
        });
    }

    /// <summary>Adds one entry: <c>{"text": "..."}</c> or <c>{"image": {"container": "index-images", "name": "x.png"}}</c>, with optional id, caption, threshold.</summary>
    /// <param name="request">The HTTP request.</param>
    /// <param name="name">The index name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>201 with the entry id, or 400 naming the bad fields.</returns>
    public async Task<IActionResult> AddAsync(HttpRequest request, string name, CancellationToken cancellationToken = default)
    {
        if (await RequestBody.ReadAtMostAsync(request, MaxBodyBytes, cancellationToken) is not { } bytes)
        {
            return ApiResults.TooLarge(MaxBodyBytes);
        }

        AddBody? body;
        try
        {
            body = JsonSerializer.Deserialize<AddBody>(bytes.Span, s_json);
        }
        catch (JsonException ex)
        {
            return ApiResults.Validation(new Dictionary<string, string> { [ex.Path?.TrimStart('$', '.') is { Length: > 0 } p ? p : "body"] = ex.Message.Split(" Path:", 2)[0] });
        }

        var errors = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (body is null || (body.Text is null) == (body.Image is null))
        {
            errors["text"] = "give exactly one of text or image";
        }
        else if (body.Text is not null && string.IsNullOrWhiteSpace(body.Text))
        {
            errors["text"] = "the text is empty";
        }

        if (body?.Image is { } img && img.Container != StorageContainers.IndexImages)
        {
            // Entry images come from the one container administrators stage them in, never from uploads or outputs.
            errors["image.container"] = $"entry images are read from '{StorageContainers.IndexImages}' only";
        }

        if (body?.Threshold is float t && !(t >= -1 && t <= 1))
        {
            errors["threshold"] = "threshold must be a cosine between -1 and 1";
        }

        if (errors.Count > 0)
        {
            return ApiResults.Validation(errors);
        }

        IndexEntry entry;
        if (body!.Text is { } text)
        {
            entry = new IndexEntry
            {
                Id = body.Id ?? "text-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..12],
                Kind = IndexEntryKind.Text,
                Embedding = services.Embedder.EmbedTexts([text])[0],
                Caption = text,
                Threshold = body.Threshold,
                Source = "api:text",
            };
        }
        else
        {
            var image = body.Image!;
            RgbImage rgb;
            try
            {
                var intake = services.Moderation.Intake;
                var stored = await services.Store.ReadAsync(image.Container, image.Name, intake.MaxBytes, cancellationToken);
                rgb = ImageIntake.DecodeOrThrow(stored.Content.Span, intake);
            }
            catch (Exception ex) when (ex is ObjectNotFoundException or ObjectTooLargeException or InvalidDataException or ArgumentException)
            {
                return ApiResults.Validation(new Dictionary<string, string> { ["image"] = ex.Message });
            }

            float[]? latent = null;
            if (LatentEncoder.CanEncode(services.Model, rgb.Width, rgb.Height))
            {
                latent = LatentEncoder.Encode(services.Model, rgb.Rgb, rgb.Width, rgb.Height);
            }

            entry = new IndexEntry
            {
                Id = body.Id ?? Path.GetFileNameWithoutExtension(image.Name),
                Kind = IndexEntryKind.Image,
                Embedding = services.Embedder.EmbedImages([rgb])[0],
                Caption = body.Caption,
                Latent = latent,
                LatentShape = latent is null ? null : LatentEncoder.LatentShape(services.Model, rgb.Width, rgb.Height),
                Threshold = body.Threshold,
                Source = image.ToString(),
            };
        }

        try
        {
            await services.Indices.AddAsync(name, [entry], cancellationToken);
        }
        catch (ArgumentException ex)
        {
            return ApiResults.Validation(new Dictionary<string, string> { ["id"] = ex.Message });
        }

        return new CreatedResult($"/api/indices/{name}/entries", new { id = entry.Id, kind = entry.Kind.ToString().ToLowerInvariant() });
    }

    /// <summary>Removes entries named by <c>?id=a&amp;id=b</c>.</summary>
    /// <param name="request">The HTTP request.</param>
    /// <param name="name">The index name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>200 with the ids removed, or 400 when none is named.</returns>
    public async Task<IActionResult> RemoveAsync(HttpRequest request, string name, CancellationToken cancellationToken = default)
    {
        var ids = request.Query["id"].Where(i => !string.IsNullOrWhiteSpace(i)).Select(i => i!).ToList();
        if (ids.Count == 0)
        {
            return ApiResults.Validation(new Dictionary<string, string> { ["id"] = "name at least one entry with ?id=..." });
        }

        try
        {
            await services.Indices.RemoveAsync(name, ids, cancellationToken);
        }
        catch (Exception ex) when (ex is IndexNotFoundException or ArgumentException)
        {
            return ApiResults.Problem(StatusCodes.Status404NotFound, "No such index or entry.", ex.Message);
        }

        return new OkObjectResult(new { removed = ids });
    }

    private sealed class AddBody
    {
        public string? Id { get; set; }

        public string? Text { get; set; }

        public BlobRef? Image { get; set; }

        public string? Caption { get; set; }

        public float? Threshold { get; set; }
    }
}
