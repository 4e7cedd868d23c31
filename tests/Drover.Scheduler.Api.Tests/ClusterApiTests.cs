using System.Net;
using System.Text;
using Drover.Scheduler.Api.Tests.Fakes;
using Drover.Scheduler.Model;

namespace Drover.Scheduler.Api.Tests;

public class ClusterApiTests
{
    [Fact]
    public async Task Put_NewCluster_Is201WithLocation_ThenListed()
    {
        await using var api = await TestApi.StartAsync();

        using var put = await api.Client.PutAsync("/v1/clusters/web", TestApi.Json(Samples.WebJson));
        using var list = await api.Client.GetAsync("/v1/clusters");
        using var one = await api.Client.GetAsync("/v1/clusters/web");

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal("/v1/clusters/web", put.Headers.Location?.OriginalString);
        Assert.Equal("OK", (await TestApi.ReadAsync(put)).GetProperty("outcome").GetString());
        var clusters = (await TestApi.ReadAsync(list)).GetProperty("clusters");
        Assert.Equal("web", Assert.Single(clusters.EnumerateArray()).GetProperty("name").GetString());
        var cluster = await TestApi.ReadAsync(one);
        Assert.Equal("GENERIC", cluster.GetProperty("kind").GetString());
        Assert.Equal(3, cluster.GetProperty("nodes").GetArrayLength());
        Assert.Equal(3, cluster.GetProperty("spec").GetProperty("count").GetInt32());
        Assert.Equal(["put web"], api.Scheduler.Calls);
    }

    [Fact]
    public async Task Put_ExistingCluster_Is200AndChangesTheSpec()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        using var put = await api.Client.PutAsync("/v1/clusters/web", TestApi.Json(Samples.WebJsonWith("web", 5)));
        var cluster = await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(2, cluster.GetProperty("generation").GetInt64());
        Assert.Equal(5, cluster.GetProperty("spec").GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Put_KindChange_Is409AndNothingApplied()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring() with { Name = "web" });

        using var put = await api.Client.PutAsync("/v1/clusters/web", TestApi.Json(Samples.WebJson));

        await TestApi.ErrorFieldsAsync(put, HttpStatusCode.Conflict);
        Assert.Empty(api.Scheduler.Calls);
        Assert.Equal(ClusterKind.Cassandra, api.Scheduler.Snapshot().Clusters.Single().Kind);
    }

    [Fact]
    public async Task Put_NameDiffersFromPath_Is400NamingName()
    {
        await using var api = await TestApi.StartAsync();

        using var put = await api.Client.PutAsync("/v1/clusters/other", TestApi.Json(Samples.WebJson));

        Assert.Equal(["name"], await TestApi.ErrorFieldsAsync(put, HttpStatusCode.BadRequest));
        Assert.Empty(api.Scheduler.Calls);
    }

    [Theory]
    [InlineData("Web")]
    [InlineData("web-")]
    [InlineData("9web")]
    [InlineData("we_b")]
    [InlineData("zookeeper%2Fquota")]
    [InlineData("a.b")]
    [InlineData("a%20b")]
    [InlineData("abcdefghijabcdefghijabcdefghijabcdefghijk")]
    public async Task Put_NameThatBreaksPaths_Is400NamingName(string name)
    {
        await using var api = await TestApi.StartAsync();

        using var put = await api.Client.PutAsync($"/v1/clusters/{name}", TestApi.Json(Samples.WebJson));

        Assert.Equal(["name"], await TestApi.ErrorFieldsAsync(put, HttpStatusCode.BadRequest));
        Assert.Empty(api.Scheduler.Calls);
    }

    [Fact]
    public async Task Put_NulInThePath_IsRefusedByKestrel()
    {
        await using var api = await TestApi.StartAsync();

        using var put = await api.Client.PutAsync("/v1/clusters/a%00b", TestApi.Json(Samples.WebJson));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Empty(api.Scheduler.Calls);
    }

    [Theory]
    [InlineData("""{"name":"web","kind":"GENERIC","count":3,"resources":{"cpus":0.5,"mem":256},"service":{"command":"x"},"colour":"red"}""", "colour")]
    [InlineData("""{"name":"web","kind":"GENERIC","count":"3","resources":{"cpus":0.5,"mem":256},"service":{"command":"x"}}""", "count")]
    [InlineData("""{"name":"web","kind":"GENERIC","count":3,"resources":{"cpus":"lots","mem":256},"service":{"command":"x"}}""", "resources.cpus")]
    [InlineData("""{"name":"web","kind":"GENERIC","count":3,"resources":{"cpus":10000,"mem":256},"service":{"command":"x"}}""", "resources.cpus")]
    [InlineData("""{"name":"web","kind":"GENERIC","count":3,"resources":{"cpus":1,"mem":1e12},"service":{"command":"x"}}""", "resources.mem")]
    [InlineData("""{"name":"web","kind":"GENERIC","count":100000,"resources":{"cpus":1,"mem":256},"service":{"command":"x"}}""", "count")]
    [InlineData("""{"name":"web","kind":"GENERIC","count":-1,"resources":{"cpus":1,"mem":256},"service":{"command":"x"}}""", "count")]
    [InlineData("""{"name":"web","kind":"GENERIC","count":3,"resources":{"cpus":1,"mem":256},"service":{"command":"x"},"ports":[{"name":"a","port":70000}]}""", "ports[0].port")]
    [InlineData("""{"name":"web","kind":"GENERIC","count":3,"resources":{"cpus":1,"mem":256},"service":{"command":"x"},"zookeeper":{"connect":"zk:2181","root":"no-slash"}}""", "zookeeper.root")]
    [InlineData("""{"name":"web","kind":"WEB","count":3,"resources":{"cpus":1,"mem":256},"service":{"command":"x"}}""", "kind")]
    [InlineData("""{"name":"web","kind":"GENERIC","count":3,"resources":{"cpus":1,"mem":256},"service":{"command":"x"}""", "")]
    [InlineData("""[]""", "")]
    [InlineData("""null""", "")]
    public async Task Put_BadSpec_Is400NamingTheField(string json, string field)
    {
        await using var api = await TestApi.StartAsync();

        using var put = await api.Client.PutAsync("/v1/clusters/web", TestApi.Json(json));

        Assert.Contains(field, await TestApi.ErrorFieldsAsync(put, HttpStatusCode.BadRequest));
        Assert.Empty(api.Scheduler.Calls);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=latin1")]
    public async Task Put_WrongContentType_Is400NamingIt(string contentType)
    {
        await using var api = await TestApi.StartAsync();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Samples.WebJson));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var put = await api.Client.PutAsync("/v1/clusters/web", content);

        Assert.Equal(["Content-Type"], await TestApi.ErrorFieldsAsync(put, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Put_NoBody_Is400()
    {
        await using var api = await TestApi.StartAsync();
        using var content = new ByteArrayContent([]);
        content.Headers.ContentType = new("application/json");

        using var put = await api.Client.PutAsync("/v1/clusters/web", content);

        await TestApi.ErrorFieldsAsync(put, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Put_TooLarge_Is413BeforeParsing(bool chunked)
    {
        await using var api = await TestApi.StartAsync();
        var huge = Samples.WebJson[..^1] + ",\"config\":{\"pad\":\"" + new string('x', 300 * 1024) + "\"}}";
        var content = chunked ? (HttpContent)new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge))) : new StringContent(huge);
        content.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/clusters/web") { Content = content };
        request.Headers.TransferEncodingChunked = chunked;

        using var put = await api.Client.SendAsync(request);

        await TestApi.ErrorFieldsAsync(put, HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(api.Scheduler.Calls);
    }

    [Fact]
    public async Task Get_UnknownCluster_Is404()
    {
        await using var api = await TestApi.StartAsync();

        using var response = await api.Client.GetAsync("/v1/clusters/nothing");

        await TestApi.ErrorFieldsAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_Is202ThenDeleting_AndAgainIs409()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        using var first = await api.Client.DeleteAsync("/v1/clusters/web");
        using var second = await api.Client.DeleteAsync("/v1/clusters/web");
        var cluster = await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await TestApi.ErrorFieldsAsync(second, HttpStatusCode.Conflict);
        Assert.True(cluster.GetProperty("deleting").GetBoolean());
    }

    [Fact]
    public async Task Delete_UnknownCluster_Is404()
    {
        await using var api = await TestApi.StartAsync();

        using var response = await api.Client.DeleteAsync("/v1/clusters/nothing");

        await TestApi.ErrorFieldsAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Scale_Is202AndChangesTheCount()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        using var response = await api.Client.PostAsync("/v1/clusters/web/scale", TestApi.Json("""{"count":5}"""));
        var cluster = await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(["scale web 5"], api.Scheduler.Calls);
        Assert.Equal(5, cluster.GetProperty("nodes").GetArrayLength());
    }

    [Theory]
    [InlineData("""{}""", "count", "required")]
    [InlineData("""{"count":"5"}""", "count", "wrong type")]
    [InlineData("""{"count":5.5}""", "count", "wrong type")]
    [InlineData("""{"count":-1}""", "count", "outside")]
    [InlineData("""{"count":1001}""", "count", "outside")]
    [InlineData("""{"count":null}""", "count", "required")]
    [InlineData("""{"count":5,"force":true}""", "force", "unknown field")]
    [InlineData("""{"count":5""", "", "malformed JSON")]
    [InlineData("""{"count":5}{}""", "", "malformed JSON")]
    [InlineData("""{"count":5,}""", "", "malformed JSON")]
    [InlineData("""{"count":[[[[[[[[[[5]]]]]]]]]]}""", "", "nested deeper")]
    public async Task Scale_BadBody_Is400NamingTheField(string json, string field, string message)
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        using var response = await api.Client.PostAsync("/v1/clusters/web/scale", TestApi.Json(json));
        var body = await TestApi.ReadAsync(response);

        Assert.Equal([field], await TestApi.ErrorFieldsAsync(response, HttpStatusCode.BadRequest));
        Assert.Contains(message, body.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(api.Scheduler.Calls);
    }

    [Theory]
    [InlineData("The JSON property 'force' could not be mapped to any .NET member contained in type 'ScaleRequest'.", "unknown field")]
    [InlineData("UnmappedJsonProperty, force, Drover.Scheduler.Api.ScaleRequest", "unknown field")]
    [InlineData("DeserializeUnableToConvertValue, System.Nullable`1[System.Int32]", "wrong type or value")]
    public void Explain_KnowsTheMessageAndItsResourceKey(string message, string expected)
    {
        // A native-AOT build with UseSystemResourceKeys carries resource keys instead of English messages.
        Assert.StartsWith(expected, RequestBody.Explain(new System.Text.Json.JsonException(message)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scale_UnknownCluster_Is404()
    {
        await using var api = await TestApi.StartAsync();

        using var response = await api.Client.PostAsync("/v1/clusters/nothing/scale", TestApi.Json("""{"count":1}"""));

        await TestApi.ErrorFieldsAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Change_TheLoopDoesNotAnswer_Is503()
    {
        await using var api = await TestApi.StartAsync(operationTimeout: TimeSpan.FromMilliseconds(300));
        api.Scheduler.Seed(Samples.Web());
        api.Scheduler.Stall = new TaskCompletionSource();

        using var response = await api.Client.PostAsync("/v1/clusters/web/scale", TestApi.Json("""{"count":1}"""));

        await TestApi.ErrorFieldsAsync(response, HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task UnknownEndpoint_Is404Json_AndWrongMethodIs405()
    {
        await using var api = await TestApi.StartAsync();

        using var unknown = await api.Client.GetAsync("/v1/frameworks");
        using var wrongMethod = await api.Client.PostAsync("/v1/clusters", TestApi.Json("{}"));

        await TestApi.ErrorFieldsAsync(unknown, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
    }
}
