using Nudge.Mitigation.Embedding;

namespace Nudge.Evaluation.Judges;

/// <summary>
/// The evaluation's second copy measure, which the pipeline never uses: a colour-normalised structural similarity.
/// Each image is smoothed (Gaussian σ = 1 px), each channel standardized to zero mean and unit variance (so colour
/// casts, gains and hue rotations change little), and its edge strength taken as the Sobel gradient magnitude over
/// the three channels, smoothed again (σ = 1 px) to tolerate a pixel of shift. The score is the Pearson correlation
/// of two edge maps: 1 for the same composition in any colours, near 0 for unrelated layouts.
/// </summary>
public static class StructureSimilarity
{
    private const double Sigma = 1.0;

    /// <summary>The edge map of an image ([H × W], row-major).</summary>
    /// <param name="image">The image.</param>
    /// <returns>Its smoothed, colour-normalised gradient magnitude.</returns>
    public static double[] EdgeMap(RgbImage image)
    {
        int w = image.Width, h = image.Height, n = w * h;
        var magnitude = new double[n];
        var channel = new double[n];
        for (int c = 0; c < 3; c++)
        {
            for (int i = 0; i < n; i++)
            {
                channel[i] = image.Rgb[(3 * i) + c] / 255.0;
            }

            var smooth = Gaussian(channel, w, h, Sigma);
            double mean = smooth.Average();
            double sd = Math.Sqrt(smooth.Sum(v => (v - mean) * (v - mean)) / n) + 1e-6;
            for (int i = 0; i < n; i++)
            {
                smooth[i] = (smooth[i] - mean) / sd;
            }

            for (int y = 0; y < h; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    double gx = Sobel(smooth, w, h, x, y, horizontal: true);
                    double gy = Sobel(smooth, w, h, x, y, horizontal: false);
                    magnitude[(y * w) + x] += (gx * gx) + (gy * gy);
                }
            }
        }

        for (int i = 0; i < n; i++)
        {
            magnitude[i] = Math.Sqrt(magnitude[i]);
        }

        return Gaussian(magnitude, w, h, Sigma);
    }

    /// <summary>The similarity of two images of one size.</summary>
    /// <param name="a">An image.</param>
    /// <param name="b">An image of the same size.</param>
    /// <returns>The Pearson correlation of their edge maps.</returns>
    public static double Score(RgbImage a, RgbImage b) => Correlation(EdgeMap(a), EdgeMap(b));

    /// <summary>Pearson correlation of two edge maps of one size.</summary>
    /// <param name="a">An edge map.</param>
    /// <param name="b">An edge map.</param>
    /// <returns>The correlation (0 when either is constant).</returns>
    public static double Correlation(double[] a, double[] b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException("edge maps of different sizes", nameof(b));
        }

        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }

        return saa > 0 && sbb > 0 ? sab / Math.Sqrt(saa * sbb) : 0;
    }

    // scipy.ndimage.sobel with mode "nearest": derivative [-1, 0, 1] along one axis, smoothing [1, 2, 1] along the other.
    private static double Sobel(double[] v, int w, int h, int x, int y, bool horizontal)
    {
        double At(int xx, int yy) => v[(Math.Clamp(yy, 0, h - 1) * w) + Math.Clamp(xx, 0, w - 1)];
        return horizontal
            ? (At(x + 1, y - 1) - At(x - 1, y - 1)) + (2 * (At(x + 1, y) - At(x - 1, y))) + (At(x + 1, y + 1) - At(x - 1, y + 1))
            : (At(x - 1, y + 1) - At(x - 1, y - 1)) + (2 * (At(x, y + 1) - At(x, y - 1))) + (At(x + 1, y + 1) - At(x + 1, y - 1));
    }

    // Separable Gaussian, truncated at 4σ, edges clamped (scipy.ndimage.gaussian_filter's defaults with mode "nearest").
    private static double[] Gaussian(double[] v, int w, int h, double sigma)
    {
        int r = (int)((4 * sigma) + 0.5);
        var k = new double[(2 * r) + 1];
        for (int i = -r; i <= r; i++)
        {
            k[i + r] = Math.Exp(-0.5 * i * i / (sigma * sigma));
        }

        double sum = k.Sum();
        for (int i = 0; i < k.Length; i++)
        {
            k[i] /= sum;
        }

        var tmp = new double[v.Length];
        var o = new double[v.Length];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double s = 0;
                for (int i = -r; i <= r; i++)
                {
                    s += k[i + r] * v[(y * w) + Math.Clamp(x + i, 0, w - 1)];
                }

                tmp[(y * w) + x] = s;
            }
        }

        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double s = 0;
                for (int i = -r; i <= r; i++)
                {
                    s += k[i + r] * tmp[(Math.Clamp(y + i, 0, h - 1) * w) + x];
                }

                o[(y * w) + x] = s;
            }
        }

        return o;
    }
}
