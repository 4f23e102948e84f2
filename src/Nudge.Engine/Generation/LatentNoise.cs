namespace Nudge.Engine.Generation;

/// <summary>
/// The documented random source for latent noise, so that a run can be reproduced from its metadata
/// on any machine: for (seed, stream) the generator is xoshiro256** seeded by four SplitMix64 outputs
/// of <c>seed ^ (stream * 0x9E3779B97F4A7C15)</c>, and standard normals come from the Box–Muller
/// transform on pairs of 53-bit uniforms in (0, 1], using both the cosine and the sine value.
/// Stream 0 is an image's initial latent noise; stream k + 1 is the noise a stochastic scheduler
/// consumes at step k, so a restart at step k draws exactly what the original run drew.
/// </summary>
public sealed class LatentNoise
{
    /// <summary>The algorithm's name as recorded in result metadata.</summary>
    public const string Algorithm = "xoshiro256**/splitmix64, Box-Muller (nudge-rng-1)";

    private ulong _s0, _s1, _s2, _s3;
    private double _spare;
    private bool _hasSpare;

    /// <summary>Creates the generator for a seed and stream.</summary>
    /// <param name="seed">The image's seed.</param>
    /// <param name="stream">0 for the initial noise; k + 1 for scheduler noise at step k.</param>
    public LatentNoise(long seed, int stream = 0)
    {
        ulong x = unchecked((ulong)seed ^ ((ulong)stream * 0x9E3779B97F4A7C15UL));
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    /// <summary>Fills <paramref name="destination"/> with standard-normal float32 values.</summary>
    /// <param name="destination">The span to fill.</param>
    public void FillStandardNormal(Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)NextGaussian();
        }
    }

    /// <summary>Fills <paramref name="destination"/> with the noise of (<paramref name="seed"/>, <paramref name="stream"/>).</summary>
    /// <param name="seed">The image's seed.</param>
    /// <param name="stream">The stream (see the class remarks).</param>
    /// <param name="destination">The span to fill.</param>
    public static void Fill(long seed, int stream, Span<float> destination) => new LatentNoise(seed, stream).FillStandardNormal(destination);

    private double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spare;
        }

        double u1 = NextUnit();
        double u2 = NextUnit();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        double theta = 2.0 * Math.PI * u2;
        _spare = r * Math.Sin(theta);
        _hasSpare = true;
        return r * Math.Cos(theta);
    }

    // Uniform in (0, 1]: never 0, so the logarithm is finite.
    private double NextUnit() => ((NextUInt64() >> 11) + 1) * (1.0 / 9007199254740992.0);

    private ulong NextUInt64()
    {
        ulong result = BitRotate(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitRotate(_s3, 45);
        return result;
    }

    private static ulong BitRotate(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
