using System.Net;
using Drover.Scheduler.Api.Tests.Fakes;
using Drover.Scheduler.Operations;

namespace Drover.Scheduler.Api.Tests;

public class AdminApiTests
{
    [Fact]
    public async Task Admin_Is202WithRequestId_ThenTheReplyShows()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring());

        using var post = await api.Client.PostAsync("/v1/clusters/ring/nodes/ring-1/admin",
            TestApi.Json("""{"operation":"repair","arguments":{"keyspace":"shop"}}"""));
        var accepted = await TestApi.ReadAsync(post);
        var id = accepted.GetProperty("request_id").GetString()!;
        var sent = await TestApi.ReadAsync(await api.Client.GetAsync(post.Headers.Location!.OriginalString));
        api.Scheduler.Reply(id, AdminOperationState.Succeeded, "Repair completed for keyspace shop");
        var replied = await TestApi.ReadAsync(await api.Client.GetAsync($"/v1/admin/{id}"));
        var list = await TestApi.ReadAsync(await api.Client.GetAsync("/v1/admin?cluster=ring"));

        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        Assert.Equal($"/v1/admin/{id}", accepted.GetProperty("location").GetString());
        Assert.Equal("SENT", sent.GetProperty("state").GetString());
        Assert.Equal("shop", sent.GetProperty("arguments").GetProperty("keyspace").GetString());
        Assert.Equal("SUCCEEDED", replied.GetProperty("state").GetString());
        Assert.Equal("Repair completed for keyspace shop", replied.GetProperty("output").GetString());
        Assert.Equal(1, list.GetProperty("operations").GetArrayLength());
    }

    [Theory]
    [InlineData("""{}""", "operation")]
    [InlineData("""{"operation":"Repair"}""", "operation")]
    [InlineData("""{"operation":"repair","arguments":{"key space":"x"}}""", "arguments.key space")]
    [InlineData("""{"operation":"repair","arguments":{"keyspace":1}}""", "arguments.keyspace")]
    [InlineData("""{"operation":"repair","arguments":["keyspace"]}""", "arguments")]
    [InlineData("""{"operation":"repair","wait":true}""", "wait")]
    [InlineData("""{"operation":7}""", "operation")]
    [InlineData("""{"operation":"repair","arguments":{"keyspace":null}}""", "arguments.keyspace")]
    [InlineData("""{"operation":null}""", "operation")]
    public async Task Admin_BadBody_Is400NamingTheField(string json, string field)
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring());

        using var post = await api.Client.PostAsync("/v1/clusters/ring/nodes/ring-1/admin", TestApi.Json(json));

        Assert.Contains(field, await TestApi.ErrorFieldsAsync(post, HttpStatusCode.BadRequest));
        Assert.Empty(api.Scheduler.Calls);
    }

    [Fact]
    public async Task Admin_UnknownNode_Is404_NodeNotRunningIs409()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring(), running: false);

        using var unknown = await api.Client.PostAsync("/v1/clusters/ring/nodes/ring-9/admin", TestApi.Json("""{"operation":"repair"}"""));
        using var notRunning = await api.Client.PostAsync("/v1/clusters/ring/nodes/ring-0/admin", TestApi.Json("""{"operation":"repair"}"""));
        using var noReply = await api.Client.GetAsync("/v1/admin/admin-9999");

        await TestApi.ErrorFieldsAsync(unknown, HttpStatusCode.NotFound);
        await TestApi.ErrorFieldsAsync(notRunning, HttpStatusCode.Conflict);
        await TestApi.ErrorFieldsAsync(noReply, HttpStatusCode.NotFound);
    }
}
