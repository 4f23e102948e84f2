using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Nudge.Engine.Schedulers;

/// <summary>
/// The contents of a diffusers <c>scheduler_config.json</c>: the training noise schedule plus the
/// sampler options of every supported scheduler class. Immutable; build it with
/// <see cref="FromJson(string)"/>/<see cref="FromFile(string)"/> or an object initializer.
/// </summary>
/// <remarks>
/// Keys that a given scheduler class does not know are ignored by that class, exactly as
/// diffusers' <c>from_config</c> does (e.g. Euler ignores <c>skip_prk_steps</c>). Keys whose diffusers
/// default differs between scheduler classes (<c>timestep_spacing</c>, <c>set_alpha_to_one</c>,
/// <c>clip_sample</c>) are nullable: <see langword="null"/> means "absent from the file, use the
/// class's own default". Unknown JSON keys are ignored.
/// </remarks>
public sealed record SchedulerConfig
{
    /// <summary><c>_class_name</c>: the diffusers scheduler class the file was saved from, if present.</summary>
    public string? ClassName { get; init; }

    /// <summary><c>num_train_timesteps</c> (default 1000).</summary>
    public int NumTrainTimesteps { get; init; } = 1000;

    /// <summary><c>beta_start</c> (default 0.0001).</summary>
    public double BetaStart { get; init; } = 0.0001;

    /// <summary><c>beta_end</c> (default 0.02).</summary>
    public double BetaEnd { get; init; } = 0.02;

    /// <summary><c>beta_schedule</c> (default <see cref="Schedulers.BetaSchedule.Linear"/>).</summary>
    public BetaSchedule BetaSchedule { get; init; } = BetaSchedule.Linear;

    /// <summary><c>trained_betas</c>: explicit betas that override the schedule when not null.</summary>
    public IReadOnlyList<double>? TrainedBetas { get; init; }

    /// <summary>
    /// <c>set_alpha_to_one</c> (DDIM/PNDM): whether the step past timestep 0 uses alpha_cumprod = 1
    /// instead of <c>alphas_cumprod[0]</c>. Null: class default (DDIM true, PNDM false).
    /// </summary>
    public bool? SetAlphaToOne { get; init; }

    /// <summary><c>steps_offset</c>: added to every timestep with <see cref="TimestepSpacing.Leading"/> (default 0).</summary>
    public int StepsOffset { get; init; }

    /// <summary>
    /// <c>timestep_spacing</c>. Null: class default (DDIM/PNDM "leading", Euler/Euler a/LMS/DPM "linspace").
    /// </summary>
    public TimestepSpacing? TimestepSpacing { get; init; }

    /// <summary><c>prediction_type</c> (default <see cref="Schedulers.PredictionType.Epsilon"/>).</summary>
    public PredictionType PredictionType { get; init; } = PredictionType.Epsilon;

    /// <summary><c>clip_sample</c> (DDIM): clamp the predicted x0. Null: class default (DDIM true).</summary>
    public bool? ClipSample { get; init; }

    /// <summary><c>clip_sample_range</c> (DDIM, default 1.0).</summary>
    public double ClipSampleRange { get; init; } = 1.0;

    /// <summary><c>skip_prk_steps</c> (PNDM): run pure PLMS instead of the Runge-Kutta warm-up (default false).</summary>
    public bool SkipPrkSteps { get; init; }

    /// <summary><c>use_karras_sigmas</c> (Euler, LMS, DPM): Karras et al. sigma spacing (default false).</summary>
    public bool UseKarrasSigmas { get; init; }

    /// <summary><c>thresholding</c>: dynamic thresholding (not supported; must be false).</summary>
    public bool Thresholding { get; init; }

    /// <summary><c>rescale_betas_zero_snr</c> (not supported; must be false).</summary>
    public bool RescaleBetasZeroSnr { get; init; }

    /// <summary><c>solver_order</c> (DPM, 1 to 3, default 2).</summary>
    public int SolverOrder { get; init; } = 2;

    /// <summary><c>algorithm_type</c> (DPM, default dpmsolver++; "deis" is mapped to dpmsolver++ like diffusers).</summary>
    public DpmSolverAlgorithmType AlgorithmType { get; init; } = DpmSolverAlgorithmType.DpmSolverPlusPlus;

    /// <summary><c>solver_type</c> (DPM, default midpoint; "logrho"/"bh1"/"bh2" map to midpoint like diffusers).</summary>
    public DpmSolverType SolverType { get; init; } = DpmSolverType.Midpoint;

    /// <summary><c>lower_order_final</c> (DPM, default true): lower-order final steps when fewer than 15 steps.</summary>
    public bool LowerOrderFinal { get; init; } = true;

    /// <summary><c>euler_at_final</c> (DPM, default false): first-order last step.</summary>
    public bool EulerAtFinal { get; init; }

    /// <summary><c>final_sigmas_type</c> (DPM, Euler; default <see cref="Schedulers.FinalSigmasType.Zero"/>).</summary>
    public FinalSigmasType FinalSigmasType { get; init; } = FinalSigmasType.Zero;

    /// <summary><c>lambda_min_clipped</c> (DPM, default negative infinity): lower clip of log-SNR lambda(t).</summary>
    public double LambdaMinClipped { get; init; } = double.NegativeInfinity;

    /// <summary><c>variance_type</c> (DPM): only null/"fixed_small"-style (non-learned) variances are supported.</summary>
    public string? VarianceType { get; init; }

    /// <summary><c>use_exponential_sigmas</c> (not supported; must be false).</summary>
    public bool UseExponentialSigmas { get; init; }

    /// <summary><c>use_beta_sigmas</c> (not supported; must be false).</summary>
    public bool UseBetaSigmas { get; init; }

    /// <summary><c>use_lu_lambdas</c> (DPM, not supported; must be false).</summary>
    public bool UseLuLambdas { get; init; }

    /// <summary><c>use_flow_sigmas</c> (DPM, not supported; must be false).</summary>
    public bool UseFlowSigmas { get; init; }

    /// <summary><c>interpolation_type</c> (Euler, default "linear"; only "linear" is supported).</summary>
    public string InterpolationType { get; init; } = "linear";

    /// <summary><c>timestep_type</c> (Euler, default "discrete"; only "discrete" is supported).</summary>
    public string TimestepType { get; init; } = "discrete";

    /// <summary><c>sigma_min</c> (Euler with Karras sigmas): overrides the smallest sigma when set.</summary>
    public double? SigmaMin { get; init; }

    /// <summary><c>sigma_max</c> (Euler with Karras sigmas): overrides the largest sigma when set.</summary>
    public double? SigmaMax { get; init; }

    /// <summary>The Stable Diffusion 1.x <c>scheduler_config.json</c> (PNDM, PLMS mode).</summary>
    public static SchedulerConfig StableDiffusion14 { get; } = new()
    {
        ClassName = "PNDMScheduler",
        BetaStart = 0.00085,
        BetaEnd = 0.012,
        BetaSchedule = BetaSchedule.ScaledLinear,
        NumTrainTimesteps = 1000,
        SetAlphaToOne = false,
        SkipPrkSteps = true,
        StepsOffset = 1,
        ClipSample = false,
    };

    /// <summary>Reads a <c>scheduler_config.json</c> file.</summary>
    /// <param name="path">Path of the JSON file.</param>
    /// <returns>The parsed configuration.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a JSON object.</exception>
    /// <exception cref="FormatException">A known key has a value of the wrong type or an unknown option.</exception>
    public static SchedulerConfig FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string json = File.ReadAllText(path);
        try
        {
            return FromJson(json);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>Parses the text of a <c>scheduler_config.json</c>.</summary>
    /// <param name="json">The JSON text (one object). Python's bare <c>NaN</c>/<c>Infinity</c>/<c>-Infinity</c> literals are accepted.</param>
    /// <returns>The parsed configuration; keys that are absent keep their defaults.</returns>
    /// <exception cref="InvalidDataException">The text is not a JSON object.</exception>
    /// <exception cref="FormatException">A known key has a value of the wrong type or an unknown option; the message names the key.</exception>
    public static SchedulerConfig FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(QuoteNonFiniteLiterals(json), new JsonDocumentOptions
            {
                AllowTrailingCommas = true,
                CommentHandling = JsonCommentHandling.Skip,
            });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"scheduler config is not valid JSON: {ex.Message}", ex);
        }

        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"scheduler config must be a JSON object, found {root.ValueKind}.");
            }

            var config = new SchedulerConfig();
            foreach (JsonProperty p in root.EnumerateObject())
            {
                config = Apply(config, p.Name, p.Value);
            }

            config.Validate();
            return config;
        }
    }

    private static SchedulerConfig Apply(SchedulerConfig c, string key, JsonElement v) => key switch
    {
        "_class_name" => c with { ClassName = ReadNullableString(key, v) },
        "num_train_timesteps" => c with { NumTrainTimesteps = ReadInt(key, v) },
        "beta_start" => c with { BetaStart = ReadDouble(key, v) },
        "beta_end" => c with { BetaEnd = ReadDouble(key, v) },
        "beta_schedule" => c with
        {
            BetaSchedule = ReadEnum(key, v, ("linear", BetaSchedule.Linear), ("scaled_linear", BetaSchedule.ScaledLinear),
                ("squaredcos_cap_v2", BetaSchedule.SquaredCosCapV2)),
        },
        "trained_betas" => c with { TrainedBetas = ReadDoubleArray(key, v) },
        "set_alpha_to_one" => c with { SetAlphaToOne = ReadNullableBool(key, v) },
        "steps_offset" => c with { StepsOffset = ReadInt(key, v) },
        "timestep_spacing" => c with
        {
            TimestepSpacing = v.ValueKind == JsonValueKind.Null
                ? null
                : ReadEnum(key, v, ("leading", Schedulers.TimestepSpacing.Leading), ("linspace", Schedulers.TimestepSpacing.Linspace),
                    ("trailing", Schedulers.TimestepSpacing.Trailing)),
        },
        "prediction_type" => c with
        {
            PredictionType = ReadEnum(key, v, ("epsilon", PredictionType.Epsilon), ("v_prediction", PredictionType.VPrediction),
                ("sample", PredictionType.Sample)),
        },
        "clip_sample" => c with { ClipSample = ReadNullableBool(key, v) },
        "clip_sample_range" => c with { ClipSampleRange = ReadDouble(key, v) },
        "skip_prk_steps" => c with { SkipPrkSteps = ReadBool(key, v) },
        "use_karras_sigmas" => c with { UseKarrasSigmas = ReadNullableBool(key, v) ?? false },
        "thresholding" => c with { Thresholding = ReadBool(key, v) },
        "rescale_betas_zero_snr" => c with { RescaleBetasZeroSnr = ReadBool(key, v) },
        "solver_order" => c with { SolverOrder = ReadInt(key, v) },
        "algorithm_type" => c with
        {
            AlgorithmType = ReadEnum(key, v, ("dpmsolver++", DpmSolverAlgorithmType.DpmSolverPlusPlus),
                ("dpmsolver", DpmSolverAlgorithmType.DpmSolver), ("sde-dpmsolver++", DpmSolverAlgorithmType.SdeDpmSolverPlusPlus),
                ("sde-dpmsolver", DpmSolverAlgorithmType.SdeDpmSolver), ("deis", DpmSolverAlgorithmType.DpmSolverPlusPlus)),
        },
        "solver_type" => c with
        {
            SolverType = ReadEnum(key, v, ("midpoint", DpmSolverType.Midpoint), ("heun", DpmSolverType.Heun),
                ("logrho", DpmSolverType.Midpoint), ("bh1", DpmSolverType.Midpoint), ("bh2", DpmSolverType.Midpoint)),
        },
        "lower_order_final" => c with { LowerOrderFinal = ReadBool(key, v) },
        "euler_at_final" => c with { EulerAtFinal = ReadBool(key, v) },
        "final_sigmas_type" => c with
        {
            FinalSigmasType = v.ValueKind == JsonValueKind.Null
                ? FinalSigmasType.Zero
                : ReadEnum(key, v, ("zero", FinalSigmasType.Zero), ("sigma_min", FinalSigmasType.SigmaMin)),
        },
        "lambda_min_clipped" => c with { LambdaMinClipped = ReadDouble(key, v) },
        "variance_type" => c with { VarianceType = ReadNullableString(key, v) },
        "use_exponential_sigmas" => c with { UseExponentialSigmas = ReadNullableBool(key, v) ?? false },
        "use_beta_sigmas" => c with { UseBetaSigmas = ReadNullableBool(key, v) ?? false },
        "use_lu_lambdas" => c with { UseLuLambdas = ReadNullableBool(key, v) ?? false },
        "use_flow_sigmas" => c with { UseFlowSigmas = ReadNullableBool(key, v) ?? false },
        "interpolation_type" => c with { InterpolationType = ReadNullableString(key, v) ?? "linear" },
        "timestep_type" => c with { TimestepType = ReadNullableString(key, v) ?? "discrete" },
        "sigma_min" => c with { SigmaMin = v.ValueKind == JsonValueKind.Null ? null : ReadDouble(key, v) },
        "sigma_max" => c with { SigmaMax = v.ValueKind == JsonValueKind.Null ? null : ReadDouble(key, v) },
        _ => c,
    };

    private void Validate()
    {
        if (NumTrainTimesteps < 2)
        {
            throw Bad("num_train_timesteps", NumTrainTimesteps.ToString(CultureInfo.InvariantCulture), "an integer >= 2");
        }

        if (!(BetaStart >= 0 && BetaStart < 1))
        {
            throw Bad("beta_start", BetaStart.ToString("R", CultureInfo.InvariantCulture), "a number in [0, 1)");
        }

        if (!(BetaEnd >= 0 && BetaEnd < 1))
        {
            throw Bad("beta_end", BetaEnd.ToString("R", CultureInfo.InvariantCulture), "a number in [0, 1)");
        }

        if (StepsOffset < 0)
        {
            throw Bad("steps_offset", StepsOffset.ToString(CultureInfo.InvariantCulture), "a non-negative integer");
        }

        if (SolverOrder is < 1 or > 3)
        {
            throw Bad("solver_order", SolverOrder.ToString(CultureInfo.InvariantCulture), "1, 2 or 3");
        }

        if (!(ClipSampleRange > 0))
        {
            throw Bad("clip_sample_range", ClipSampleRange.ToString("R", CultureInfo.InvariantCulture), "a positive number");
        }

        if (TrainedBetas is { } tb)
        {
            if (tb.Count != NumTrainTimesteps)
            {
                throw new FormatException(
                    $"scheduler config key 'trained_betas' has {tb.Count} values but 'num_train_timesteps' is {NumTrainTimesteps}.");
            }

            foreach (double b in tb)
            {
                if (!(b >= 0 && b < 1))
                {
                    throw Bad("trained_betas", b.ToString("R", CultureInfo.InvariantCulture), "values in [0, 1)");
                }
            }
        }
    }

    private static FormatException Bad(string key, string value, string expected) =>
        new($"scheduler config key '{key}' has invalid value {value}; expected {expected}.");

    private static FormatException WrongKind(string key, JsonElement v, string expected) =>
        new($"scheduler config key '{key}' has invalid value {Shorten(v.GetRawText())}; expected {expected}.");

    private static string Shorten(string raw) => raw.Length <= 60 ? raw : raw[..57] + "...";

    private static string? ReadNullableString(string key, JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => v.GetString(),
        _ => throw WrongKind(key, v, "a string"),
    };

    private static bool ReadBool(string key, JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw WrongKind(key, v, "true or false"),
    };

    private static bool? ReadNullableBool(string key, JsonElement v) =>
        v.ValueKind == JsonValueKind.Null ? null : ReadBool(key, v);

    private static int ReadInt(string key, JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt32(out int i))
            {
                return i;
            }

            if (v.TryGetDouble(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
            {
                return (int)d;
            }
        }

        throw WrongKind(key, v, "an integer");
    }

    private static double ReadDouble(string key, JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d))
        {
            return d;
        }

        if (v.ValueKind == JsonValueKind.String)
        {
            string s = v.GetString()!.Trim();
            switch (s.ToLowerInvariant())
            {
                case "-inf" or "-infinity":
                    return double.NegativeInfinity;
                case "inf" or "infinity" or "+inf" or "+infinity":
                    return double.PositiveInfinity;
                case "nan":
                    return double.NaN;
            }

            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d))
            {
                return d;
            }
        }

        throw WrongKind(key, v, "a number");
    }

    private static double[]? ReadDoubleArray(string key, JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw WrongKind(key, v, "an array of numbers or null");
        }

        var result = new double[v.GetArrayLength()];
        int i = 0;
        foreach (JsonElement e in v.EnumerateArray())
        {
            result[i++] = ReadDouble(key, e);
        }

        return result;
    }

    private static T ReadEnum<T>(string key, JsonElement v, params (string Name, T Value)[] options)
    {
        if (v.ValueKind == JsonValueKind.String)
        {
            string s = v.GetString()!;
            foreach ((string name, T value) in options)
            {
                if (string.Equals(name, s, StringComparison.Ordinal))
                {
                    return value;
                }
            }
        }

        string expected = "one of " + string.Join(", ", options.Select(o => "\"" + o.Name + "\""));
        throw WrongKind(key, v, expected);
    }

    /// <summary>
    /// Python's json module writes non-finite floats as bare <c>NaN</c>, <c>Infinity</c> and
    /// <c>-Infinity</c>, which System.Text.Json rejects; quote them (outside strings only) so they
    /// can be read as named floating-point strings.
    /// </summary>
    private static string QuoteNonFiniteLiterals(string json)
    {
        if (!json.Contains("NaN", StringComparison.Ordinal) && !json.Contains("Infinity", StringComparison.Ordinal))
        {
            return json;
        }

        var sb = new StringBuilder(json.Length + 16);
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            char ch = json[i];
            if (inString)
            {
                sb.Append(ch);
                if (ch == '\\' && i + 1 < json.Length)
                {
                    sb.Append(json[++i]);
                }
                else if (ch == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (ch == '"')
            {
                inString = true;
                sb.Append(ch);
                continue;
            }

            string? literal = null;
            foreach (string candidate in (ReadOnlySpan<string>)["-Infinity", "Infinity", "NaN"])
            {
                if (string.CompareOrdinal(json, i, candidate, 0, candidate.Length) == 0)
                {
                    literal = candidate;
                    break;
                }
            }

            if (literal is null)
            {
                sb.Append(ch);
            }
            else
            {
                sb.Append('"').Append(literal).Append('"');
                i += literal.Length - 1;
            }
        }

        return sb.ToString();
    }
}
