namespace Nudge.Infrastructure.Tests;

/// <summary>Static checks of the Functions image recipe and its build context.</summary>
public sealed class DockerfileTests
{
    private readonly Dockerfile _dockerfile = Dockerfile.Load();

    [Fact]
    public void EveryBaseImage_HasAnExplicitTagThatIsNotLatest()
    {
        var froms = _dockerfile.Froms();
        Assert.NotEmpty(froms);
        var stages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (image, alias) in froms)
        {
            if (!stages.Contains(image))
            {
                Assert.DoesNotContain("$", image, StringComparison.Ordinal);
                var name = image.Contains('@', StringComparison.Ordinal) ? image[..image.IndexOf('@', StringComparison.Ordinal)] : image;
                var lastSegment = name[(name.LastIndexOf('/') + 1)..];
                var hasDigest = image.Contains("@sha256:", StringComparison.Ordinal);
                Assert.True(lastSegment.Contains(':', StringComparison.Ordinal) || hasDigest, $"{image} has no explicit tag");
                if (lastSegment.Contains(':', StringComparison.Ordinal))
                {
                    var tag = lastSegment[(lastSegment.IndexOf(':', StringComparison.Ordinal) + 1)..];
                    Assert.NotEqual("latest", tag, StringComparer.OrdinalIgnoreCase);
                    Assert.NotEmpty(tag);
                }
            }

            if (alias is not null)
            {
                stages.Add(alias);
            }
        }

        Assert.Contains(froms, f => f.Image == "mcr.microsoft.com/dotnet/sdk:10.0");
        Assert.Equal("mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0", froms[^1].Image);
    }

    [Fact]
    public void FinalStage_RunsAsTheNonRootAppUser()
    {
        var user = _dockerfile.FinalUser();
        Assert.NotNull(user);
        Assert.Equal("app", user);
        Assert.DoesNotMatch("^(root|0)(:|$)", user);

        // The image makes sure the user exists and owns the writable paths.
        var run = string.Join('\n', _dockerfile.All("RUN").Where(i => i.Stage == _dockerfile.FinalStage).Select(i => i.Arguments));
        Assert.Contains("useradd --uid 1654", run, StringComparison.Ordinal);
        Assert.Contains("chown -R app:app /models /home", run, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelWeights_AreNeverCopiedIntoTheImage()
    {
        string[] weights = ["models", ".onnx", "weights.pb", ".safetensors", ".ckpt", "tiny-sd"];
        foreach (var copy in _dockerfile.All("COPY").Concat(_dockerfile.All("ADD")))
        {
            var sources = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Where(t => !t.StartsWith("--", StringComparison.Ordinal))
                .SkipLast(1);
            foreach (var source in sources)
            {
                Assert.DoesNotContain(weights, w => source.Contains(w, StringComparison.OrdinalIgnoreCase));
            }
        }

        Assert.Equal("/models/sd", _dockerfile.Env()["Nudge__ModelPath"]);
    }

    [Fact]
    public void RuntimeEnvironment_IsTheFunctionsOne()
    {
        var env = _dockerfile.Env();
        Assert.Equal("/home/site/wwwroot", env["AzureWebJobsScriptRoot"]);
        Assert.Equal("true", env["AzureFunctionsJobHost__Logging__Console__IsEnabled"]);
        Assert.Equal("dotnet-isolated", env["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Contains("/usr/local/cuda-${CUDA_VERSION}", env["LD_LIBRARY_PATH"], StringComparison.Ordinal);

        var copies = _dockerfile.All("COPY").Where(i => i.Stage == _dockerfile.FinalStage).Select(i => i.Arguments).ToList();
        Assert.Contains("--from=build /app/publish /home/site/wwwroot", copies);
    }

    [Fact]
    public void CudaLibraries_MatchOnnxRuntimeGpu131()
    {
        // ORT 1.31.0's CUDA EP (NuGet) links libcudart/libcublas(Lt) .so.13 and libcurand.so.10
        // and loads libcudnn.so.9: CUDA 13 + cuDNN 9.
        var args = _dockerfile.Args(_dockerfile.FinalStage);
        Assert.Equal("13.0", args["CUDA_VERSION"]);
        Assert.Equal("9", args["CUDNN_MAJOR"]);

        var run = string.Join('\n', _dockerfile.All("RUN").Select(i => i.Arguments));
        foreach (var package in new[]
                 {
                     "cuda-cudart-${series}", "libcublas-${series}", "libcurand-${series}", "cuda-nvrtc-${series}",
                     "libcudnn${CUDNN_MAJOR}-cuda-${major}",
                 })
        {
            Assert.Contains(package, run, StringComparison.Ordinal);
        }

        Assert.Contains("apt-mark hold", run, StringComparison.Ordinal);
        Assert.Contains("developer.download.nvidia.com/compute/cuda/repos/${repo}/x86_64/cuda-keyring_1.1-1_all.deb", run, StringComparison.Ordinal);
    }

    [Fact]
    public void BuildContext_IsTheRepositoryRoot_AndDockerignoreKeepsItSmall()
    {
        // The build copies these from the context root, so they must exist and not be ignored.
        var copies = string.Join('\n', _dockerfile.All("COPY").Select(i => i.Arguments));
        foreach (var path in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props", "src/" })
        {
            Assert.Contains(path, copies, StringComparison.Ordinal);
            Assert.True(File.Exists(RepoPaths.Combine(path)) || Directory.Exists(RepoPaths.Combine(path)), $"{path} is missing");
        }

        var ignore = File.ReadAllLines(RepoPaths.Combine(".dockerignore"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
        foreach (var entry in new[] { "**/bin/", "**/obj/", "**/node_modules/", ".git/", "tests/", "models/", "**/tiny-sd/", "**/*.onnx", "**/weights.pb" })
        {
            Assert.Contains(entry, ignore);
        }

        foreach (var needed in new[] { "src", "src/", "global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig", "*" })
        {
            Assert.DoesNotContain(needed, ignore);
        }
    }
}
