using Nudge.Engine.Schedulers;

namespace Nudge.Engine.Tests.Schedulers;

public sealed class SchedulerFactoryTests
{
    [Theory]
    [InlineData("DDIMScheduler", typeof(DdimScheduler))]
    [InlineData("ddim", typeof(DdimScheduler))]
    [InlineData("PNDMScheduler", typeof(PndmScheduler))]
    [InlineData("PNDM", typeof(PndmScheduler))]
    [InlineData("EulerDiscreteScheduler", typeof(EulerDiscreteScheduler))]
    [InlineData("euler", typeof(EulerDiscreteScheduler))]
    [InlineData("eulerancestraldiscretescheduler", typeof(EulerAncestralDiscreteScheduler))]
    [InlineData("Euler-A", typeof(EulerAncestralDiscreteScheduler))]
    [InlineData("LMSDiscreteScheduler", typeof(LmsDiscreteScheduler))]
    [InlineData("lms", typeof(LmsDiscreteScheduler))]
    [InlineData("DPMSolverMultistepScheduler", typeof(DpmSolverMultistepScheduler))]
    [InlineData("DPM++2M", typeof(DpmSolverMultistepScheduler))]
    public void Create_maps_class_and_short_names_case_insensitively(string name, Type expected)
    {
        IScheduler scheduler = SchedulerFactory.Create(SchedulerConfig.StableDiffusion14, name);
        Assert.IsType(expected, scheduler);
    }

    [Fact]
    public void Create_uses_the_config_class_name_without_override()
    {
        IScheduler scheduler = SchedulerFactory.Create(SchedulerConfig.StableDiffusion14, nameOverride: null);
        Assert.IsType<PndmScheduler>(scheduler);
    }

    [Fact]
    public void Create_rejects_an_unknown_name_and_lists_the_valid_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => SchedulerFactory.Create(SchedulerConfig.StableDiffusion14, "heun"));
        Assert.Contains("heun", ex.Message, StringComparison.Ordinal);
        foreach (string valid in new[] { "DDIMScheduler", "PNDMScheduler", "EulerDiscreteScheduler", "EulerAncestralDiscreteScheduler", "LMSDiscreteScheduler", "DPMSolverMultistepScheduler", "ddim", "pndm", "euler", "euler-a", "lms", "dpm++2m" })
        {
            Assert.Contains(valid, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Create_without_any_name_is_an_argument_error()
    {
        var ex = Assert.Throws<ArgumentException>(() => SchedulerFactory.Create(new SchedulerConfig(), null));
        Assert.Contains("ddim", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plms_repeats_the_second_timestep_like_diffusers()
    {
        IScheduler pndm = SchedulerFactory.Create(SchedulerConfig.StableDiffusion14, "pndm");
        pndm.SetTimesteps(50);
        Assert.Equal(51, pndm.Timesteps.Length);
        Assert.Equal([981f, 961f, 961f, 941f], pndm.Timesteps[..4].ToArray());
        Assert.Equal(1f, pndm.Timesteps[^1]);
    }

    [Fact]
    public void Pndm_with_runge_kutta_warm_up_has_twelve_prk_steps()
    {
        var pndm = (PndmScheduler)SchedulerFactory.Create(SchedulerConfig.StableDiffusion14 with { SkipPrkSteps = false }, "pndm");
        pndm.SetTimesteps(50);
        Assert.Equal(12, pndm.PrkStepCount);
        Assert.Equal([981f, 971f, 971f, 961f, 961f, 951f, 951f, 941f, 941f, 931f, 931f, 921f], pndm.Timesteps[..12].ToArray());
        Assert.Equal(921f, pndm.Timesteps[12]);
        Assert.Equal(12 + 47, pndm.Timesteps.Length);
    }
}
