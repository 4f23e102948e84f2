namespace Nudge.Mitigation.Filters;

/// <summary>One filter of the chain.</summary>
public interface IGenerationFilter
{
    /// <summary>Stable name, used in policies and reports.</summary>
    string Name { get; }

    /// <summary>When it runs.</summary>
    FilterStage Stage { get; }

    /// <summary>Whether the later filters are skipped once it fires.</summary>
    bool Blocking { get; }

    /// <summary>What it asks for when it fires.</summary>
    FilterAction Action { get; }

    /// <summary>Evaluates the input.</summary>
    /// <param name="input">The prompt and image.</param>
    /// <returns>Score, threshold, whether it fired, and evidence (Skipped false, ElapsedMs 0: the chain fills them).</returns>
    FilterResult Evaluate(FilterInput input);
}
