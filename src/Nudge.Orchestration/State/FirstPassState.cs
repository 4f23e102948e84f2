using Nudge.Engine.Generation;
using Nudge.Storage;

namespace Nudge.Orchestration.State;

/// <summary>
/// What the generate activity leaves for the filter and nudge activities: the first pass of one image (count 1)
/// with the settings it ran with, its PNG, its decoded pixels, its final latent, and the denoising states every nudge
/// round may restart from. Stored as <see cref="WorkNames.FirstPass"/>.
/// </summary>
public static class FirstPassState
{
    private sealed record Header(GenerationRequest Request, int Width, int Height, string SchedulerName, GenerationTimings Timings, int Index, long Seed, int[] CaptureSteps);

    /// <summary>Serializes a one-image first pass.</summary>
    /// <param name="first">The first pass (exactly one image).</param>
    /// <returns>The state file's bytes.</returns>
    public static byte[] Write(GenerationResult first)
    {
        ArgumentNullException.ThrowIfNull(first);
        var image = first.Images.Count == 1 ? first.Images[0] : throw new ArgumentException($"A first-pass state holds one image, got {first.Images.Count}.", nameof(first));
        var steps = image.Captures.Keys.Order().ToArray();
        var sections = new List<ReadOnlyMemory<byte>> { image.Png, StateFile.Bytes(image.Pixels), StateFile.Bytes(image.Latent) };
        foreach (var s in steps)
        {
            sections.Add(StateFile.Bytes(image.Captures[s].Sample));
            sections.Add(StateFile.Bytes(image.Captures[s].ModelOutput));
        }

        return StateFile.Write(new Header(first.Request, first.Width, first.Height, first.SchedulerName, first.Timings, image.Index, image.Seed, steps), sections);
    }

    /// <summary>Reads the first pass an image's generate step stored (<see cref="WorkNames.FirstPass"/>).</summary>
    /// <param name="store">The store.</param>
    /// <param name="runId">The generation instance id.</param>
    /// <param name="index">The image index.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The first pass.</returns>
    public static async Task<GenerationResult> ReadAsync(IObjectStore store, string runId, int index, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var blob = WorkNames.FirstPass(runId, index);
        return Read((await store.ReadAsync(blob.Container, blob.Name, cancellationToken)).Content);
    }

    /// <summary>Reads a stored first pass.</summary>
    /// <param name="data">The state file's bytes.</param>
    /// <returns>The first pass, as it was generated.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a complete first-pass state.</exception>
    public static GenerationResult Read(ReadOnlyMemory<byte> data)
    {
        var (h, s) = StateFile.Read<Header>(data, "The first-pass state");
        if (s.Length != 3 + (2 * h.CaptureSteps.Length))
        {
            throw new InvalidDataException($"The first-pass state has {s.Length} sections; {3 + (2 * h.CaptureSteps.Length)} expected.");
        }

        var captures = new Dictionary<int, CapturedStep>();
        for (int i = 0; i < h.CaptureSteps.Length; i++)
        {
            captures[h.CaptureSteps[i]] = new CapturedStep(h.CaptureSteps[i], StateFile.Floats(s[3 + (2 * i)]), StateFile.Floats(s[4 + (2 * i)]));
        }

        var image = new GeneratedImage(h.Index, h.Seed, s[0].ToArray(), StateFile.Floats(s[1]), StateFile.Floats(s[2])) { Captures = captures };
        return new GenerationResult(h.Request, h.Width, h.Height, h.SchedulerName, [image], h.Timings);
    }
}
