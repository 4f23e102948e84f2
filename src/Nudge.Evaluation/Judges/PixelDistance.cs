using Nudge.Mitigation.Embedding;

namespace Nudge.Evaluation.Judges;

/// <summary>Pixel distances to a training image, plain and after a per-channel colour match.</summary>
public static class PixelDistance
{
    /// <summary>RMSE on the 0–1 scale.</summary>
    /// <param name="a">An image.</param>
    /// <param name="b">An image of the same size.</param>
    /// <returns>The RMSE.</returns>
    public static float Rmse(RgbImage a, RgbImage b)
    {
        double sum = 0;
        for (int i = 0; i < a.Rgb.Length; i++)
        {
            double d = (a.Rgb[i] - b.Rgb[i]) / 255.0;
            sum += d * d;
        }

        return (float)Math.Sqrt(sum / a.Rgb.Length);
    }

    /// <summary>
    /// RMSE after each channel of <paramref name="a"/> is shifted and scaled to the mean and standard deviation of the
    /// same channel of <paramref name="b"/>: what is left once a colour cast is undone. A nudge that only recolours
    /// the training image keeps this small.
    /// </summary>
    /// <param name="a">An output.</param>
    /// <param name="b">The training image, same size.</param>
    /// <returns>The colour-matched RMSE on the 0–1 scale.</returns>
    public static float ColourMatchedRmse(RgbImage a, RgbImage b)
    {
        int n = a.Width * a.Height;
        double sum = 0;
        for (int c = 0; c < 3; c++)
        {
            var (ma, sa) = Moments(a.Rgb, c, n);
            var (mb, sb) = Moments(b.Rgb, c, n);
            double gain = sa > 1e-9 ? sb / sa : 0;
            for (int i = 0; i < n; i++)
            {
                double matched = mb + ((a.Rgb[(3 * i) + c] - ma) * gain);
                double d = (matched - b.Rgb[(3 * i) + c]) / 255.0;
                sum += d * d;
            }
        }

        return (float)Math.Sqrt(sum / (3.0 * n));
    }

    private static (double Mean, double Sd) Moments(byte[] rgb, int c, int n)
    {
        double m = 0;
        for (int i = 0; i < n; i++)
        {
            m += rgb[(3 * i) + c];
        }

        m /= n;
        double v = 0;
        for (int i = 0; i < n; i++)
        {
            double d = rgb[(3 * i) + c] - m;
            v += d * d;
        }

        return (m, Math.Sqrt(v / n));
    }
}
