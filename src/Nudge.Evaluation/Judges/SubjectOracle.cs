using Nudge.Evaluation.ToyWorld;
using Nudge.Mitigation.Embedding;

namespace Nudge.Evaluation.Judges;

/// <summary>
/// Judges relevance from pixels, without the embedder: is the caption's subject there, in its colour and its shape?
/// Each pixel takes the nearest toy-palette colour; the largest 4-connected region of the subject's colour (after a
/// one-pixel opening, at least <see cref="MinimumArea"/> pixels) is the subject; its shape is the toy shape whose
/// template (radius 7.5–23.5 px, rotation within ±0.6 rad, centred within 1.5 px of the region's centroid) overlaps
/// it best (intersection over union, searched coarse to fine over radius, rotation and a 1.5 px offset). Applies to 64×64 toy-world images only.
/// </summary>
public static class SubjectOracle
{
    /// <summary>Smallest subject region, in pixels (a radius-5 disc).</summary>
    public const int MinimumArea = 80;

    private const int Size = 64;
    private const int MaxColourDistanceSquared = 60 * 60;

    /// <summary>The oracle's verdict.</summary>
    /// <param name="ColourFound">A region of the subject's colour of at least <see cref="MinimumArea"/> pixels exists.</param>
    /// <param name="Shape">The best-matching shape of that region, or null.</param>
    /// <param name="Overlap">Its intersection over union with the best template.</param>
    /// <param name="Area">The region's area in pixels.</param>
    public sealed record Verdict(bool ColourFound, string? Shape, double Overlap, int Area);

    /// <summary>Judges an image against the subject a prompt names.</summary>
    /// <param name="image">A 64×64 image.</param>
    /// <param name="colour">The subject's colour name.</param>
    /// <param name="shape">The subject's shape name.</param>
    /// <returns>Whether colour and shape are right, and the verdict behind it.</returns>
    public static (bool Colour, bool ColourAndShape, Verdict Verdict) Judge(RgbImage image, string colour, string shape)
    {
        var v = Examine(image, colour);
        return (v.ColourFound, v.ColourFound && v.Shape == shape, v);
    }

    /// <summary>Finds the largest region of a colour and names its shape.</summary>
    /// <param name="image">A 64×64 image.</param>
    /// <param name="colour">A toy-palette colour name.</param>
    /// <returns>The verdict.</returns>
    public static Verdict Examine(RgbImage image, string colour)
    {
        if (image.Width != Size || image.Height != Size)
        {
            throw new ArgumentException($"the oracle judges {Size}×{Size} toy-world images (got {image.Width}×{image.Height})", nameof(image));
        }

        int target = ToyPalette.IndexOf(colour);
        if (target < 0)
        {
            throw new ArgumentException($"unknown toy colour '{colour}'", nameof(colour));
        }

        var mask = Opening(ColourMask(image, target));
        var region = LargestRegion(mask, out int area);
        if (area < MinimumArea)
        {
            return new Verdict(false, null, 0, area);
        }

        double sx = 0, sy = 0;
        for (int i = 0; i < region.Length; i++)
        {
            if (region[i])
            {
                sx += (i % Size) + 0.5;
                sy += (i / Size) + 0.5;
            }
        }

        var (best, overlap) = BestShape(region, sx / area, sy / area);
        return new Verdict(true, best, overlap, area);
    }

    private static bool[] ColourMask(RgbImage image, int target)
    {
        var palette = ToyPalette.Colours;
        var mask = new bool[Size * Size];
        var rgb = image.Rgb;
        for (int i = 0; i < mask.Length; i++)
        {
            int r = rgb[3 * i], g = rgb[(3 * i) + 1], b = rgb[(3 * i) + 2];
            int best = -1, bestD = int.MaxValue;
            for (int k = 0; k < palette.Length; k++)
            {
                int dr = r - palette[k].R, dg = g - palette[k].G, db = b - palette[k].B;
                int d = (dr * dr) + (dg * dg) + (db * db);
                if (d < bestD)
                {
                    bestD = d;
                    best = k;
                }
            }

            mask[i] = best == target && bestD < MaxColourDistanceSquared;
        }

        return mask;
    }

    // Erosion then dilation with the 4-neighbour cross (scipy's binary_opening default): drops single-pixel specks
    // and one-pixel bridges between regions.
    private static bool[] Opening(bool[] mask) => Morph(Morph(mask, erode: true), erode: false);

    private static bool[] Morph(bool[] m, bool erode)
    {
        var o = new bool[m.Length];
        for (int y = 0; y < Size; y++)
        {
            for (int x = 0; x < Size; x++)
            {
                bool c = m[(y * Size) + x];
                bool l = x > 0 && m[(y * Size) + x - 1], r = x < Size - 1 && m[(y * Size) + x + 1];
                bool u = y > 0 && m[((y - 1) * Size) + x], d = y < Size - 1 && m[((y + 1) * Size) + x];
                o[(y * Size) + x] = erode ? c && l && r && u && d : c || l || r || u || d;
            }
        }

        return o;
    }

    private static bool[] LargestRegion(bool[] mask, out int area)
    {
        var label = new int[mask.Length];
        var stack = new Stack<int>();
        int next = 0, bestLabel = 0;
        area = 0;
        for (int i = 0; i < mask.Length; i++)
        {
            if (!mask[i] || label[i] != 0)
            {
                continue;
            }

            int id = ++next, count = 0;
            label[i] = id;
            stack.Push(i);
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                count++;
                int x = p % Size, y = p / Size;
                foreach (int q in (ReadOnlySpan<int>)[x > 0 ? p - 1 : -1, x < Size - 1 ? p + 1 : -1, y > 0 ? p - Size : -1, y < Size - 1 ? p + Size : -1])
                {
                    if (q >= 0 && mask[q] && label[q] == 0)
                    {
                        label[q] = id;
                        stack.Push(q);
                    }
                }
            }

            if (count > area)
            {
                area = count;
                bestLabel = id;
            }
        }

        var region = new bool[mask.Length];
        for (int i = 0; i < mask.Length; i++)
        {
            region[i] = bestLabel != 0 && label[i] == bestLabel;
        }

        return region;
    }

    private static readonly (double X, double Y)[] Offsets = [(0, 0), (-1.5, 0), (1.5, 0), (0, -1.5), (0, 1.5)];

    // Coarse to fine: each shape's two best radii (8–23 px, unrotated, at the centroid), then around each of them
    // radius ±0.5 px, rotation −0.6…0.6 rad in 0.1 steps (the toy world's shapes are drawn within ±0.15 rad) and
    // centre offsets of 1.5 px.
    private static (string Shape, double Overlap) BestShape(bool[] region, double cx, double cy)
    {
        int regionArea = region.Count(b => b);
        string best = ToyShapes.Names[0];
        double bestIou = -1;
        foreach (var shape in ToyShapes.Names)
        {
            var radii = Enumerable.Range(8, 16).Select(r => (R: (double)r, Iou: Overlap(region, regionArea, shape, cx, cy, r, 0))).OrderByDescending(t => t.Iou).Take(2);
            double[] angles = shape is "circle" or "ring" ? [0.0] : [.. Enumerable.Range(-6, 13).Select(k => k / 10.0)];
            foreach (var (r0, _) in radii)
            {
                foreach (double r in (ReadOnlySpan<double>)[r0 - 0.5, r0, r0 + 0.5])
                {
                    foreach (double a in angles)
                    {
                        foreach (var (ox, oy) in Offsets)
                        {
                            double iou = Overlap(region, regionArea, shape, cx + ox, cy + oy, r, a);
                            if (iou > bestIou)
                            {
                                bestIou = iou;
                                best = shape;
                            }
                        }
                    }
                }
            }
        }

        return (best, bestIou);
    }

    private static double Overlap(bool[] region, int regionArea, string shape, double cx, double cy, double r, double angle)
    {
        // Only the template's bounding box can hold template pixels.
        int x0 = Math.Max(0, (int)Math.Floor(cx - r - 1)), x1 = Math.Min(Size - 1, (int)Math.Ceiling(cx + r + 1));
        int y0 = Math.Max(0, (int)Math.Floor(cy - r - 1)), y1 = Math.Min(Size - 1, (int)Math.Ceiling(cy + r + 1));
        int inter = 0, templ = 0;
        for (int y = y0; y <= y1; y++)
        {
            for (int x = x0; x <= x1; x++)
            {
                if (ToyShapes.Contains(shape, x, y, cx, cy, r, angle))
                {
                    templ++;
                    if (region[(y * Size) + x])
                    {
                        inter++;
                    }
                }
            }
        }

        int union = templ + regionArea - inter;
        return union == 0 ? 0 : inter / (double)union;
    }
}
