namespace Nudge.Engine.Generation;

/// <summary>
/// Where each setting of a generation came from: <c>request</c>, <c>model</c> (the model folder's declared
/// default, or for scheduler and size its scheduler config and UNet) or <c>stable-diffusion</c> (the fallback).
/// </summary>
/// <param name="Guidance">Source of the guidance scale.</param>
/// <param name="Steps">Source of the step count.</param>
/// <param name="Scheduler">Source of the scheduler.</param>
/// <param name="Size">Source of width and height.</param>
public sealed record SettingSources(string Guidance, string Steps, string Scheduler, string Size)
{
    /// <summary>The request set it.</summary>
    public const string Request = "request";

    /// <summary>The model folder declared it.</summary>
    public const string Model = "model";

    /// <summary>Neither did: Stable Diffusion's default.</summary>
    public const string StableDiffusion = "stable-diffusion";
}
