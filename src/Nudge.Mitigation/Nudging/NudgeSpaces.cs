namespace Nudge.Mitigation.Nudging;

/// <summary>Where the nudge moves the generation; the two spaces can be combined.</summary>
[Flags]
public enum NudgeSpaces
{
    /// <summary>No nudging.</summary>
    None = 0,

    /// <summary>The prompt conditioning's pooled state, measured in the embedder's joint space (the change is spread over the token states).</summary>
    Conditioning = 1,

    /// <summary>The predicted clean latent x̂0 at the restart step, measured against undesired VAE latents.</summary>
    Latent = 2,

    /// <summary>Pooled conditioning and latent.</summary>
    Both = Conditioning | Latent,

    /// <summary>
    /// Every token state of the conditioning, trigger words included: pushed from the matched captions' states and
    /// pulled toward the prompt with its trigger words released.
    /// </summary>
    Sequence = 4,
}
