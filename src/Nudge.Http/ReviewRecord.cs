using Nudge.Orchestration;

namespace Nudge.Http;

/// <summary>The audit record of a reviewer's decision on a queued upload: who, when, what.</summary>
/// <param name="Key">The upload version's key (<c>{nameKey}/{versionKey}</c>).</param>
/// <param name="Decision"><c>approved</c> or <c>rejected</c>.</param>
/// <param name="Reviewer">The name the reviewer gave (may be empty).</param>
/// <param name="Note">The reviewer's note (may be empty).</param>
/// <param name="Credential">What authorized it (the admin key).</param>
/// <param name="DecidedAt">When (UTC, server clock).</param>
/// <param name="Source">The quarantined blob the decision is about.</param>
public sealed record ReviewRecord(string Key, string Decision, string Reviewer, string Note, string Credential, DateTimeOffset DecidedAt, BlobRef? Source);
