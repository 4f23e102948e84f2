namespace Nudge.Indexing.Tests.Support;

/// <summary>Deterministic random embeddings and entries for tests.</summary>
public static class TestVectors
{
    /// <summary>Gaussian vectors (isotropic, so their directions are uniform on the sphere).</summary>
    public static float[][] Gaussian(int seed, int count, int dimension)
    {
        var random = new Random(seed);
        var vectors = new float[count][];
        for (int i = 0; i < count; i++)
        {
            vectors[i] = new float[dimension];
            for (int j = 0; j < dimension; j++)
            {
                // Box-Muller.
                double u1 = 1.0 - random.NextDouble();
                double u2 = random.NextDouble();
                vectors[i][j] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
            }
        }

        return vectors;
    }

    /// <summary>
    /// Unit vectors in <paramref name="clusters"/> clusters (a random unit centre plus isotropic noise of total norm about
    /// <paramref name="spread"/>), the shape of real embeddings, which plain Gaussians lack.
    /// </summary>
    public static float[][] Clustered(int seed, int count, int dimension, int clusters, float spread)
    {
        float[][] centres = Gaussian(seed, clusters, dimension);
        float[][] noise = Gaussian(seed + 7919, count, dimension);
        var random = new Random(seed + 1);
        var vectors = new float[count][];
        for (int i = 0; i < count; i++)
        {
            float[] centre = centres[random.Next(clusters)];
            float centreNorm = MathF.Sqrt(centre.Sum(x => x * x));
            float noiseScale = spread / MathF.Sqrt(dimension);
            vectors[i] = centre.Select((c, j) => (c / centreNorm) + (noiseScale * noise[i][j])).ToArray();
            float norm = MathF.Sqrt(vectors[i].Sum(x => x * x));
            for (int j = 0; j < dimension; j++)
            {
                vectors[i][j] /= norm;
            }
        }

        return vectors;
    }

    public static IndexEntry[] TextEntries(string idPrefix, float[][] embeddings) =>
        embeddings.Select((e, i) => new IndexEntry
        {
            Id = $"{idPrefix}{i}",
            Kind = IndexEntryKind.Text,
            Embedding = e,
            Source = $"test://{idPrefix}{i}",
        }).ToArray();

    /// <summary>Ids of the exact top-k by cosine similarity, computed in double precision from the original vectors.</summary>
    public static (string Id, double Similarity)[] BruteForceTopK(IReadOnlyList<IndexEntry> entries, float[] query, int k)
    {
        double queryNorm = Math.Sqrt(query.Sum(x => (double)x * x));
        return entries
            .Select((e, row) =>
            {
                double dot = 0, norm = 0;
                for (int j = 0; j < query.Length; j++)
                {
                    dot += (double)e.Embedding[j] * query[j];
                    norm += (double)e.Embedding[j] * e.Embedding[j];
                }

                return (e.Id, Similarity: dot / (Math.Sqrt(norm) * queryNorm), Row: row);
            })
            .OrderByDescending(x => x.Similarity)
            .ThenBy(x => x.Row)
            .Take(k)
            .Select(x => (x.Id, x.Similarity))
            .ToArray();
    }
}
