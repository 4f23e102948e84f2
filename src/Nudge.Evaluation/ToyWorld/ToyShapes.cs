namespace Nudge.Evaluation.ToyWorld;

/// <summary>
/// The bundled tiny model's toy world as the evaluation's oracle knows it: the 8 shapes, drawn exactly as
/// <c>models/recipe/toyworld.py</c> <c>shape_mask</c> draws them (pixel centres at +0.5, rotation about the centre).
/// </summary>
public static class ToyShapes
{
    /// <summary>The shape names, in the recipe's order.</summary>
    public static readonly string[] Names = ["circle", "square", "triangle", "star", "ring", "cross", "diamond", "hexagon"];

    /// <summary>Whether pixel (x, y) of a shape centred at (cx, cy) with radius r, rotated by angle, is inside it.</summary>
    /// <param name="shape">A name from <see cref="Names"/>.</param>
    /// <param name="x">Pixel column.</param>
    /// <param name="y">Pixel row.</param>
    /// <param name="cx">Centre x in pixel coordinates (pixel centres at +0.5).</param>
    /// <param name="cy">Centre y.</param>
    /// <param name="r">Radius in pixels.</param>
    /// <param name="angle">Rotation in radians.</param>
    /// <returns>Inside or not.</returns>
    public static bool Contains(string shape, int x, int y, double cx, double cy, double r, double angle)
    {
        double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
        double ca = Math.Cos(angle), sa = Math.Sin(angle);
        double rx = (ca * dx) + (sa * dy), ry = (-sa * dx) + (ca * dy);
        switch (shape)
        {
            case "circle":
                return (dx * dx) + (dy * dy) <= r * r;
            case "ring":
            {
                double d2 = (dx * dx) + (dy * dy);
                return d2 <= r * r && d2 >= (0.55 * r) * (0.55 * r);
            }

            case "square":
                return Math.Abs(rx) <= 0.8 * r && Math.Abs(ry) <= 0.8 * r;
            case "diamond":
                return Math.Abs(rx) + Math.Abs(ry) <= r;
            case "cross":
            {
                double w = 0.33 * r;
                return (Math.Abs(rx) <= w && Math.Abs(ry) <= r) || (Math.Abs(ry) <= w && Math.Abs(rx) <= r);
            }

            case "hexagon":
            {
                double ax = Math.Abs(rx), ay = Math.Abs(ry);
                return ay <= 0.866 * r && (0.866 * ax) + (0.5 * ay) <= 0.866 * r;
            }

            case "triangle":
                return InPolygon(rx, ry, r, 3, 0.5, star: false);
            case "star":
                return InPolygon(rx, ry, r, 5, 0.45, star: true);
            default:
                throw new ArgumentException($"unknown shape '{shape}'", nameof(shape));
        }
    }

    // The recipe's polar polygon test: the point is inside when it lies on the inner side of the chord between the
    // two vertices of its angular sector (stars alternate outer and inner vertices).
    private static bool InPolygon(double rx, double ry, double r, int n, double inner, bool star)
    {
        double theta = Math.Atan2(ry, rx);
        double dist = Math.Sqrt((rx * rx) + (ry * ry));
        int verts = star ? 2 * n : n;
        double seg = 2 * Math.PI / verts;
        double t = Mod(theta + (Math.PI / 2), seg);
        double r0 = r, r1 = r;
        if (star)
        {
            int k = (int)Math.Floor(Mod(theta + (Math.PI / 2), 2 * Math.PI) / seg);
            (r0, r1) = k % 2 == 0 ? (r, inner * r) : (inner * r, r);
        }

        double p0x = r0, p0y = 0.0;
        double p1x = r1 * Math.Cos(seg), p1y = r1 * Math.Sin(seg);
        double px = dist * Math.Cos(t), py = dist * Math.Sin(t);
        double cross = ((p1x - p0x) * (py - p0y)) - ((p1y - p0y) * (px - p0x));
        return cross >= 0;
    }

    private static double Mod(double a, double m) => a - (m * Math.Floor(a / m));
}
