using Microsoft.AspNetCore.Mvc;
using Nudge.Http;

namespace Nudge.Functions.Tests;

[Collection(HostCollection.Name)]
public sealed class IndexEntriesApiTests(HostFixture fx)
{
    [Fact]
    public async Task A_text_entry_can_be_added_listed_and_removed()
    {
        var api = new IndexEntriesApi(fx.Services);
        var name = "fn-" + Guid.NewGuid().ToString("N")[..8];

        var added = await api.AddAsync(Http.Request("POST", $"/api/indices/{name}/entries", """{"id": "t1", "text": "a red circle", "threshold": 0.9}"""), name);
        Assert.Equal(201, Http.Status(added));

        var listed = Http.Json(await api.ListAsync(name));
        Assert.Equal("t1", listed.GetProperty("entries")[0].GetProperty("id").GetString());
        Assert.Equal("text", listed.GetProperty("entries")[0].GetProperty("kind").GetString());

        var removed = await api.RemoveAsync(Http.Request("DELETE", $"/api/indices/{name}/entries", query: "?id=t1"), name);
        Assert.Equal(200, Http.Status(removed));
        Assert.Equal(0, Http.Json(await api.ListAsync(name)).GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Bad_entries_get_400_naming_the_field_and_unknown_indices_404()
    {
        var api = new IndexEntriesApi(fx.Services);
        var both = await api.AddAsync(Http.Request("POST", "/api/indices/x/entries", """{"text": "a", "image": {"container": "index-images", "name": "a.png"}}"""), "x");
        Assert.Equal(["text"], ((ValidationProblemDetails)((ObjectResult)both).Value!).Errors.Keys);

        var threshold = await api.AddAsync(Http.Request("POST", "/api/indices/x/entries", """{"text": "a", "threshold": 3}"""), "x");
        Assert.Equal(["threshold"], ((ValidationProblemDetails)((ObjectResult)threshold).Value!).Errors.Keys);

        Assert.Equal(404, Http.Status(await api.ListAsync("fn-missing-index")));
        Assert.Equal(400, Http.Status(await api.RemoveAsync(Http.Request("DELETE", "/api/indices/x/entries"), "x")));
    }

    [Fact]
    public async Task Entry_images_come_only_from_the_index_images_container_and_pass_the_intake_guard()
    {
        var api = new IndexEntriesApi(fx.Services);
        var name = "fn-" + Guid.NewGuid().ToString("N")[..8];
        var corpus = Path.Combine(Nudge.Testing.RepositoryRoot.Path, "tests", "corpus", "hostile-images");
        await fx.Store.WriteAsync(Nudge.Storage.StorageContainers.IndexImages, $"{name}/ok.png", await File.ReadAllBytesAsync(Path.Combine(corpus, "ok.png")));
        await fx.Store.WriteAsync(Nudge.Storage.StorageContainers.IndexImages, $"{name}/bad.bmp", await File.ReadAllBytesAsync(Path.Combine(corpus, "bmp-negative-width.bmp")));
        await fx.Store.WriteAsync(Nudge.Storage.StorageContainers.Uploads, $"{name}/ok.png", await File.ReadAllBytesAsync(Path.Combine(corpus, "ok.png")));

        var fromUploads = await api.AddAsync(Http.Request("POST", $"/api/indices/{name}/entries", $$$"""{"image": {"container": "uploads", "name": "{{{name}}}/ok.png"}}"""), name);
        var hostile = await api.AddAsync(Http.Request("POST", $"/api/indices/{name}/entries", $$$"""{"image": {"container": "index-images", "name": "{{{name}}}/bad.bmp"}}"""), name);
        var good = await api.AddAsync(Http.Request("POST", $"/api/indices/{name}/entries", $$$"""{"id": "ok", "image": {"container": "index-images", "name": "{{{name}}}/ok.png"}}"""), name);

        Assert.Equal(["image.container"], ((ValidationProblemDetails)((ObjectResult)fromUploads).Value!).Errors.Keys);
        var problem = (ValidationProblemDetails)((ObjectResult)hostile).Value!;
        Assert.Equal(["image"], problem.Errors.Keys);
        Assert.Contains("bmp header declares -64×48", problem.Errors["image"][0]);
        Assert.Equal(201, Http.Status(good));
        Assert.Equal("image", Http.Json(await api.ListAsync(name)).GetProperty("entries")[0].GetProperty("kind").GetString());
    }
}
