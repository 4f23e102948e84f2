using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Nudge.Engine.Generation;
using Nudge.Orchestration;
using Nudge.Storage;

namespace Nudge.Http;

/// <summary>
/// What the review page reads and does: recent generations (from their manifests), the moderation queue (quarantined
/// uploads with their verdicts) and a reviewer's decision on one queued upload, which moves the blob and leaves an
/// audit record.
/// </summary>
/// <remarks>
/// A decision is idempotent and crash-safe: the audit record (<c>moderation/{key}.review.json</c>, written if absent)
/// is the commit point, and the move (copy, verify, delete the original) finishes on a retry of the same decision. A
/// different decision on an upload already decided is 409. Decided uploads go to
/// <c>quarantine/reviewed/{approved|rejected}/{key}/{file}</c>; an approved upload is not put back into
/// <c>uploads</c>, where it would be judged again.
/// </remarks>
public sealed class ReviewApi(IObjectStore store, IReadLinkSigner? signer = null, TimeProvider? time = null)
{
    /// <summary>The prefix of decided uploads inside the quarantine container.</summary>
    public const string ReviewedPrefix = "reviewed/";

    /// <summary>Most items one listing returns.</summary>
    public const int MaxItems = 50;

    private const int MaxBodyBytes = 4096;

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary><c>GET /api/generations</c>: the newest finished generations (their manifests), newest first.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>200 with <c>{generations: [{id, finished_at, total, succeeded, failed}]}</c>.</returns>
    public async Task<IActionResult> ListGenerationsAsync(CancellationToken cancellationToken = default)
    {
        var manifests = new List<ObjectProperties>();
        await foreach (var p in store.ListAsync(StorageContainers.Outputs, prefix: null, cancellationToken))
        {
            if (p.Name.EndsWith("/manifest.json", StringComparison.Ordinal) && p.Name.Count(c => c == '/') == 1)
            {
                manifests.Add(p);
            }
        }

        var items = new List<object>();
        foreach (var m in manifests.OrderByDescending(m => m.LastModified).Take(MaxItems))
        {
            var stored = await store.ReadAsync(m.Container, m.Name, cancellationToken);
            var summary = JsonSerializer.Deserialize<GenerationSummary>(stored.Content.Span, ImageRecord.JsonOptions);
            if (summary is not null)
            {
                items.Add(new { id = summary.RunId, finished_at = m.LastModified, total = summary.Total, succeeded = summary.Succeeded, failed = summary.Failed });
            }
        }

        return new OkObjectResult(new { generations = items });
    }

    /// <summary><c>GET /api/moderation/queue</c>: quarantined uploads not yet decided, with verdict, reason, scores and a read link.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>200 with <c>{items: [...]}</c>.</returns>
    public async Task<IActionResult> ListQueueAsync(CancellationToken cancellationToken = default)
    {
        var queued = new List<ObjectProperties>();
        await foreach (var p in store.ListAsync(StorageContainers.Quarantine, prefix: null, cancellationToken))
        {
            if (!p.Name.StartsWith(ReviewedPrefix, StringComparison.Ordinal) && Key(p.Name) is not null)
            {
                queued.Add(p);
            }
        }

        var items = new List<object>();
        foreach (var p in queued.OrderByDescending(p => p.LastModified).Take(MaxItems))
        {
            var key = Key(p.Name)!;
            ModerationRecord? verdict = null;
            try
            {
                var v = await store.ReadAsync(StorageContainers.Moderation, key + ".json", cancellationToken);
                verdict = JsonSerializer.Deserialize<ModerationRecord>(v.Content.Span, ImageRecord.JsonOptions);
            }
            catch (ObjectNotFoundException)
            {
            }

            var link = signer is null ? null : await signer.SignReadAsync(p.Container, p.Name, GenerationsApi.LinkLifetime, cancellationToken);
            items.Add(new
            {
                key,
                quarantined = new BlobRef(p.Container, p.Name),
                image_url = link?.Uri,
                upload = verdict?.Upload,
                verdict = verdict?.Verdict.ToString().ToLowerInvariant(),
                reason = verdict?.Reason,
                score = verdict?.Score,
                matches = verdict?.Matches,
                quarantined_at = p.LastModified,
            });
        }

        return new OkObjectResult(new { items });
    }

    /// <summary><c>POST /api/moderation/{nameKey}/{versionKey}/{decision}</c>: approve or reject one queued upload.</summary>
    /// <param name="request">The request; its optional JSON body <c>{"reviewer": "...", "note": "..."}</c> goes into the audit record.</param>
    /// <param name="nameKey">The upload's name key (32 hex digits).</param>
    /// <param name="versionKey">Its version key (16 hex digits).</param>
    /// <param name="decision"><c>approve</c> or <c>reject</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>200 with where the upload went and the audit record; 400, 404, or 409 when decided otherwise before.</returns>
    public async Task<IActionResult> DecideAsync(HttpRequest request, string nameKey, string versionKey, string decision, CancellationToken cancellationToken = default)
    {
        var errors = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!IsHex(nameKey, 32))
        {
            errors["name_key"] = "expected 32 lowercase hex digits";
        }

        if (!IsHex(versionKey, 16))
        {
            errors["version_key"] = "expected 16 lowercase hex digits";
        }

        string? outcome = decision switch { "approve" => "approved", "reject" => "rejected", _ => null };
        if (outcome is null)
        {
            errors["decision"] = $"expected approve or reject, got '{decision}'";
        }

        DecisionBody body = new();
        if (await RequestBody.ReadAtMostAsync(request, MaxBodyBytes, cancellationToken) is not { } bytes)
        {
            return ApiResults.TooLarge(MaxBodyBytes);
        }

        if (bytes.Length > 0)
        {
            try
            {
                body = JsonSerializer.Deserialize<DecisionBody>(bytes.Span, s_json) ?? new();
            }
            catch (JsonException ex)
            {
                errors["body"] = ex.Message.Split(" Path:", 2)[0];
            }
        }

        if (errors.Count > 0)
        {
            return ApiResults.Validation(errors);
        }

        var key = $"{nameKey}/{versionKey}";
        var audit = new BlobRef(StorageContainers.Moderation, key + ".review.json");
        var record = new ReviewRecord(key, outcome!, body.Reviewer ?? "", body.Note ?? "", "admin key", _time.GetUtcNow(), null);
        var queued = await FindAsync(key + "/", cancellationToken);
        var previous = await ReadAuditAsync(audit, cancellationToken);
        if (previous is null)
        {
            if (queued is null)
            {
                return ApiResults.Problem(StatusCodes.Status404NotFound, "No such queued upload.", key);
            }

            record = record with { Source = new BlobRef(queued.Container, queued.Name) };
            var json = JsonSerializer.SerializeToUtf8Bytes(record, ImageRecord.JsonOptions);
            if (!await store.WriteIfAbsentAsync(audit.Container, audit.Name, json, "application/json", null, cancellationToken))
            {
                previous = await ReadAuditAsync(audit, cancellationToken);
            }
        }

        if (previous is not null)
        {
            if (previous.Decision != outcome)
            {
                return ApiResults.Problem(StatusCodes.Status409Conflict, "This upload was already decided otherwise.", $"{previous.Decision} by '{previous.Reviewer}' at {previous.DecidedAt:O}");
            }

            record = previous;
        }

        // The decision is recorded; finish the move (again, after a crash: each step is idempotent).
        var source = record.Source ?? (queued is null ? null : new BlobRef(queued.Container, queued.Name));
        BlobRef? movedTo = null;
        if (source is not null)
        {
            movedTo = new BlobRef(StorageContainers.Quarantine, $"{ReviewedPrefix}{record.Decision}/{source.Name}");
            try
            {
                var original = await store.ReadAsync(source.Container, source.Name, cancellationToken);
                await store.WriteIfAbsentAsync(movedTo.Container, movedTo.Name, original.Content, original.Properties.ContentType, null, cancellationToken);
                var copy = await store.ReadAsync(movedTo.Container, movedTo.Name, cancellationToken);
                if (!copy.Content.Span.SequenceEqual(original.Content.Span))
                {
                    return ApiResults.Problem(StatusCodes.Status409Conflict, "A different file is already at the destination; the original was kept.", movedTo.Name);
                }

                await store.DeleteAsync(source.Container, source.Name, original.ETag, cancellationToken);
            }
            catch (ObjectNotFoundException)
            {
                // Moved by an earlier attempt.
            }
        }

        return new OkObjectResult(new { key, decision = record.Decision, moved_to = movedTo, audit, reviewer = record.Reviewer, decided_at = record.DecidedAt });
    }

    private async Task<ObjectProperties?> FindAsync(string prefix, CancellationToken cancellationToken)
    {
        await foreach (var p in store.ListAsync(StorageContainers.Quarantine, prefix, cancellationToken))
        {
            return p;
        }

        return null;
    }

    private async Task<ReviewRecord?> ReadAuditAsync(BlobRef audit, CancellationToken cancellationToken)
    {
        try
        {
            var stored = await store.ReadAsync(audit.Container, audit.Name, cancellationToken);
            return JsonSerializer.Deserialize<ReviewRecord>(stored.Content.Span, ImageRecord.JsonOptions);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }
    }

    // quarantine/{32 hex}/{16 hex}/{file} -> "{32 hex}/{16 hex}".
    private static string? Key(string name)
    {
        var parts = name.Split('/');
        return parts.Length == 3 && IsHex(parts[0], 32) && IsHex(parts[1], 16) ? $"{parts[0]}/{parts[1]}" : null;
    }

    private static bool IsHex(string s, int length) => s.Length == length && s.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private sealed class DecisionBody
    {
        public string? Reviewer { get; set; }

        public string? Note { get; set; }
    }
}
