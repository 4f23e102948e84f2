using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Nudge.Engine.Tests.Schedulers;

/// <summary>One step of a diffusers reference trajectory.</summary>
internal sealed record ReferenceStep(
    int Index,
    double T,
    float[] ScaledInput,
    float[] ModelOutput,
    float[]? Noise,
    float[] PrevSample,
    double[]? LmsCoefficients);

/// <summary>One reference case (see shared/reference/schedulers/README.md).</summary>
internal sealed record ReferenceCase(
    string Id,
    string Name,
    string Scheduler,
    string ConfigJson,
    int NumInferenceSteps,
    double? Eta,
    bool IntegerTimesteps,
    double[] Timesteps,
    double InitNoiseSigma,
    float[]? Sigmas,
    float[] InitialNoise,
    float[] InitialSample,
    IReadOnlyList<ReferenceStep> Steps,
    float[] FinalSample);

/// <summary>A parsed reference file: its base config, training schedule and cases.</summary>
internal sealed record ReferenceFile(string FileName, string BaseConfigJson, float[] Betas, float[] AlphasCumprod, IReadOnlyList<ReferenceCase> Cases);

/// <summary>
/// Loads every <c>*.json</c> file of <c>shared/reference/schedulers/cases</c> (all of them, whatever their
/// names) and exposes one theory row per case.
/// </summary>
internal static class SchedulerReference
{
    /// <summary>Row used when the reference folder is missing or empty, so the theory fails with a clear message instead of vanishing.</summary>
    public const string MissingMarker = "<reference cases missing>";

    private static readonly Lazy<IReadOnlyList<ReferenceFile>> Files = new(LoadAll);
    private static readonly ConcurrentDictionary<string, ReferenceCase> ById = new();

    public static string CasesDirectory =>
        Path.Combine(TestPaths.SharedReference, "schedulers", "cases");

    /// <summary>Why the reference data cannot be used, or null when it can.</summary>
    public static string? Problem
    {
        get
        {
            if (!Directory.Exists(CasesDirectory))
            {
                return $"Scheduler reference folder not found: {CasesDirectory} (expected ../shared/reference/schedulers/cases next to the repository root {TestPaths.RepoRoot}).";
            }

            if (Directory.GetFiles(CasesDirectory, "*.json").Length == 0)
            {
                return $"Scheduler reference folder {CasesDirectory} contains no *.json case files.";
            }

            return null;
        }
    }

    public static IReadOnlyList<ReferenceFile> AllFiles => Files.Value;

    public static IEnumerable<ReferenceCase> AllCases => AllFiles.SelectMany(f => f.Cases);

    /// <summary>Theory rows: the ids of every case of the given diffusers class (or the missing marker).</summary>
    public static TheoryData<string> CaseIds(string schedulerClass)
    {
        var data = new TheoryData<string>();
        if (Problem is not null)
        {
            data.Add(MissingMarker);
            return data;
        }

        foreach (ReferenceCase c in AllCases.Where(c => c.Scheduler == schedulerClass))
        {
            data.Add(c.Id);
        }

        if (data.Count == 0)
        {
            data.Add($"<no {schedulerClass} cases in {CasesDirectory}>");
        }

        return data;
    }

    /// <summary>Theory rows: one per reference file.</summary>
    public static TheoryData<string> FileNames()
    {
        var data = new TheoryData<string>();
        if (Problem is not null)
        {
            data.Add(MissingMarker);
            return data;
        }

        foreach (ReferenceFile f in AllFiles)
        {
            data.Add(f.FileName);
        }

        return data;
    }

    public static ReferenceCase Get(string id)
    {
        if (Problem is { } problem)
        {
            Assert.Fail(problem);
        }

        _ = Files.Value;
        if (!ById.TryGetValue(id, out ReferenceCase? c))
        {
            Assert.Fail($"Reference case '{id}' not found in {CasesDirectory}.");
        }

        return c!;
    }

    public static ReferenceFile GetFile(string fileName)
    {
        if (Problem is { } problem)
        {
            Assert.Fail(problem);
        }

        return AllFiles.Single(f => f.FileName == fileName);
    }

    private static IReadOnlyList<ReferenceFile> LoadAll()
    {
        if (Problem is not null)
        {
            return [];
        }

        var files = new List<ReferenceFile>();
        foreach (string path in Directory.GetFiles(CasesDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            files.Add(LoadFile(path));
        }

        return files;
    }

    private static ReferenceFile LoadFile(string path)
    {
        string fileName = Path.GetFileName(path);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        var cases = new List<ReferenceCase>();
        foreach (JsonElement c in root.GetProperty("cases").EnumerateArray())
        {
            ReferenceCase rc = ParseCase(fileName, c);
            if (!ById.TryAdd(rc.Id, rc))
            {
                throw new InvalidDataException($"Duplicate reference case id {rc.Id}.");
            }

            cases.Add(rc);
        }

        return new ReferenceFile(
            fileName,
            root.GetProperty("base_config").GetRawText(),
            Floats(root.GetProperty("betas")),
            Floats(root.GetProperty("alphas_cumprod")),
            cases);
    }

    private static ReferenceCase ParseCase(string fileName, JsonElement c)
    {
        string name = c.GetProperty("name").GetString()!;
        var steps = new List<ReferenceStep>();
        foreach (JsonElement s in c.GetProperty("steps").EnumerateArray())
        {
            steps.Add(new ReferenceStep(
                s.GetProperty("index").GetInt32(),
                s.GetProperty("t").GetDouble(),
                Floats(s.GetProperty("scaled_input")),
                Floats(s.GetProperty("model_output")),
                OptionalFloats(s, "noise"),
                Floats(s.GetProperty("prev_sample")),
                s.TryGetProperty("lms_coefficients", out JsonElement lms) && lms.ValueKind == JsonValueKind.Array
                    ? lms.EnumerateArray().Select(e => e.GetDouble()).ToArray()
                    : null));
        }

        return new ReferenceCase(
            Id: $"{Path.GetFileNameWithoutExtension(fileName)}/{name}",
            Name: name,
            Scheduler: c.GetProperty("scheduler").GetString()!,
            ConfigJson: c.GetProperty("config").GetRawText(),
            NumInferenceSteps: c.GetProperty("num_inference_steps").GetInt32(),
            Eta: c.TryGetProperty("eta", out JsonElement eta) && eta.ValueKind == JsonValueKind.Number ? eta.GetDouble() : null,
            IntegerTimesteps: c.GetProperty("timesteps_dtype").GetString() == "int64",
            Timesteps: c.GetProperty("timesteps").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            InitNoiseSigma: c.GetProperty("init_noise_sigma").GetDouble(),
            Sigmas: OptionalFloats(c, "sigmas"),
            InitialNoise: Floats(c.GetProperty("initial_noise")),
            InitialSample: Floats(c.GetProperty("initial_sample")),
            Steps: steps,
            FinalSample: Floats(c.GetProperty("final_sample")));
    }

    private static float[]? OptionalFloats(JsonElement parent, string property) =>
        parent.TryGetProperty(property, out JsonElement e) && e.ValueKind == JsonValueKind.Array ? Floats(e) : null;

    private static float[] Floats(JsonElement array)
    {
        var result = new float[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement e in array.EnumerateArray())
        {
            result[i++] = e.ValueKind == JsonValueKind.String
                ? float.Parse(e.GetString()!, CultureInfo.InvariantCulture)
                : float.Parse(e.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return result;
    }
}
