namespace Nudge.Engine.Schedulers;

/// <summary>The noise level reached after the last step (diffusers' <c>final_sigmas_type</c>).</summary>
public enum FinalSigmasType
{
    /// <summary><c>"zero"</c>: the last step lands on sigma = 0, i.e. returns the predicted clean sample.</summary>
    Zero,

    /// <summary><c>"sigma_min"</c>: the last step lands on the smallest training sigma.</summary>
    SigmaMin,
}
