using Nudge.Engine.Generation;
using Nudge.Mitigation.Nudging;
using Nudge.Mitigation.Pipeline;
using Nudge.Storage;

namespace Nudge.Orchestration.State;

/// <summary>
/// What the nudge activity leaves for the filter activity and the publisher: one round's regenerated image (PNG,
/// pixels, latent) with what the nudge did. Stored as <see cref="WorkNames.Round"/>.
/// </summary>
public static class RoundState
{
    private sealed record Header(int Index, long Seed, int Round, int RestartStep, NudgeSpaces Spaces, float Beta, float Lambda, IReadOnlyList<string> MatchedEntries,
        NudgeSummary? Latent, NudgeSummary? Conditioning, NudgeSummary? Sequence, string? ReleasedPrompt, float? EscapeFraction, double ElapsedMs);

    /// <summary>Serializes a nudged image.</summary>
    /// <param name="nudged">The round's image.</param>
    /// <returns>The state file's bytes.</returns>
    public static byte[] Write(NudgedImage nudged)
    {
        ArgumentNullException.ThrowIfNull(nudged);
        var i = nudged.Image;
        return StateFile.Write(
            new Header(i.Index, i.Seed, nudged.Round, nudged.RestartStep, nudged.Spaces, nudged.Beta, nudged.Lambda, nudged.MatchedEntries,
                nudged.Latent, nudged.Conditioning, nudged.Sequence, nudged.ReleasedPrompt, nudged.EscapeFraction, nudged.ElapsedMs),
            [i.Png, StateFile.Bytes(i.Pixels), StateFile.Bytes(i.Latent)]);
    }

    /// <summary>Reads the round an image's nudge step stored (<see cref="WorkNames.Round"/>).</summary>
    /// <param name="store">The store.</param>
    /// <param name="runId">The generation instance id.</param>
    /// <param name="index">The image index.</param>
    /// <param name="round">0-based round.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The round's image with what the nudge did.</returns>
    public static async Task<NudgedImage> ReadAsync(IObjectStore store, string runId, int index, int round, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var blob = WorkNames.Round(runId, index, round);
        return Read((await store.ReadAsync(blob.Container, blob.Name, cancellationToken)).Content);
    }

    /// <summary>Reads a stored round.</summary>
    /// <param name="data">The state file's bytes.</param>
    /// <returns>The round's image with what the nudge did.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a complete round state.</exception>
    public static NudgedImage Read(ReadOnlyMemory<byte> data)
    {
        var (h, s) = StateFile.Read<Header>(data, "The nudge-round state");
        if (s.Length != 3)
        {
            throw new InvalidDataException($"The nudge-round state has {s.Length} sections; 3 expected.");
        }

        var image = new GeneratedImage(h.Index, h.Seed, s[0].ToArray(), StateFile.Floats(s[1]), StateFile.Floats(s[2]));
        return new NudgedImage(image, h.Round, h.RestartStep, h.Spaces, h.Beta, h.Lambda, h.MatchedEntries, h.Latent, h.Conditioning, h.Sequence,
            h.ReleasedPrompt, h.EscapeFraction, h.ElapsedMs);
    }
}
