namespace Nudge.Mitigation.Nudging;

/// <summary>Where the nudge moves the generation; the two spaces can be combined.</summary>
[Flags]
public enum NudgeSpaces
{
    /// <summary>No nudging.</summary>
    None = 0,

    /// <summary>The prompt conditioning (text-encoder hidden states), measured in the embedder's joint space.</summary>
    Conditioning = 1,

    /// <summary>The predicted clean latent x̂0 at the restart step, measured against undesired VAE latents.</summary>
    Latent = 2,

    /// <summary>Both.</summary>
    Both = Conditioning | Latent,
}
