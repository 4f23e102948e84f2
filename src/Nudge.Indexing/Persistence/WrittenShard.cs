namespace Nudge.Indexing.Persistence;

/// <summary>A shard written for an update, with the entries (in row order) it holds; <c>FirstEntry</c> is assigned when it is appended.</summary>
internal sealed record WrittenShard(ManifestShard Shard, List<ManifestEntry> Entries);
