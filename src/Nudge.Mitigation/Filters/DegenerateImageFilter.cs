namespace Nudge.Mitigation.Filters;

/// <summary>
/// Catches broken outputs without any network: non-finite pixels, a near-constant image, or an image
/// that is mostly clipped to black or white. Score: 1 for non-finite values, else the larger of
/// (1 − std/minStd) and the saturated fraction.
/// </summary>
/// <param name="minStd">Smallest pixel standard deviation (0–255 scale) of a real image.</param>
/// <param name="maxSaturated">Largest fraction of pixels with every channel at 0 or 255.</param>
public sealed class DegenerateImageFilter(float minStd = 2f, float maxSaturated = 0.95f) : IGenerationFilter
{
    /// <inheritdoc />
    public string Name => "degenerate";

    /// <inheritdoc />
    public FilterStage Stage => FilterStage.Image;

    /// <inheritdoc />
    public bool Blocking => true;

    /// <inheritdoc />
    public FilterAction Action => FilterAction.Flag;

    /// <inheritdoc />
    public FilterResult Evaluate(FilterInput input)
    {
        if (input.Pixels is { } p && p.Any(v => !float.IsFinite(v)))
        {
            return new FilterResult(Name, 1f, 0.5f, true, true, Action, [], false, 0);
        }

        var img = input.Image ?? throw new InvalidOperationException("The degenerate filter needs an image.");
        var rgb = img.Rgb;
        double sum = 0, sumSq = 0;
        int saturated = 0, pixels = img.Width * img.Height;
        for (int i = 0; i < rgb.Length; i++)
        {
            sum += rgb[i];
            sumSq += rgb[i] * (double)rgb[i];
        }

        for (int i = 0; i < pixels; i++)
        {
            byte r = rgb[3 * i], g = rgb[(3 * i) + 1], b = rgb[(3 * i) + 2];
            if ((r is 0 or 255) && (g is 0 or 255) && (b is 0 or 255))
            {
                saturated++;
            }
        }

        double mean = sum / rgb.Length;
        double std = Math.Sqrt(Math.Max(0, (sumSq / rgb.Length) - (mean * mean)));
        float constantness = (float)Math.Max(0, 1 - (std / minStd));
        float saturatedFraction = saturated / (float)pixels;
        bool fired = std < minStd || saturatedFraction > maxSaturated;
        return new FilterResult(Name, Math.Max(constantness, saturatedFraction), maxSaturated, fired, true, Action, [], false, 0);
    }
}
