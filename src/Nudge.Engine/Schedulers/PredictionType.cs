namespace Nudge.Engine.Schedulers;

/// <summary>What the denoising model predicts (diffusers' <c>prediction_type</c>).</summary>
public enum PredictionType
{
    /// <summary><c>"epsilon"</c>: the noise that was added.</summary>
    Epsilon,

    /// <summary><c>"v_prediction"</c>: the velocity <c>v = alpha_t * eps - sigma_t * x0</c> (Imagen Video, section 2.4).</summary>
    VPrediction,

    /// <summary><c>"sample"</c>: the clean sample x0 directly.</summary>
    Sample,
}
