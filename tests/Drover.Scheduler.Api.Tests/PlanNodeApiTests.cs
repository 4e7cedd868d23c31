using System.Net;
using Drover.Scheduler.Api.Tests.Fakes;
using Drover.Scheduler.Model;

namespace Drover.Scheduler.Api.Tests;

public class PlanNodeApiTests
{
    [Fact]
    public async Task Plans_ShowStepProgress()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web(), running: false);

        var plans = (await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web/plans"))).GetProperty("plans");
        var deploy = await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web/plans/deploy"));

        Assert.Equal("deploy", Assert.Single(plans.EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal("PENDING", deploy.GetProperty("status").GetString());
        Assert.Equal(3, deploy.GetProperty("steps_total").GetInt32());
        var steps = deploy.GetProperty("phases")[0].GetProperty("steps");
        Assert.Equal(["web-0", "web-1", "web-2"], steps.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.Equal("PENDING", steps[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Plan_InterruptThenContinue()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web(), running: false);

        using var interrupt = await api.Client.PostAsync("/v1/clusters/web/plans/deploy/interrupt", null);
        var interrupted = await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web/plans/deploy"));
        using var resume = await api.Client.PostAsync("/v1/clusters/web/plans/deploy/continue", null);
        var resumed = await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web/plans/deploy"));

        Assert.Equal(HttpStatusCode.OK, interrupt.StatusCode);
        Assert.Equal("INTERRUPTED", interrupted.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        Assert.False(resumed.GetProperty("interrupted").GetBoolean());
    }

    [Fact]
    public async Task Step_Restart_Is202_UnknownStepIs404_BadNameIs400()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        using var restart = await api.Client.PostAsync("/v1/clusters/web/plans/deploy/phases/nodes/steps/web-1/restart", null);
        using var unknown = await api.Client.PostAsync("/v1/clusters/web/plans/deploy/phases/nodes/steps/web-9/restart", null);
        using var bad = await api.Client.PostAsync("/v1/clusters/web/plans/deploy/phases/nodes/steps/%20x/restart", null);
        var step = (await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web/plans/deploy"))).GetProperty("phases")[0].GetProperty("steps")[1];

        Assert.Equal(HttpStatusCode.Accepted, restart.StatusCode);
        Assert.Equal("PENDING", step.GetProperty("status").GetString());
        await TestApi.ErrorFieldsAsync(unknown, HttpStatusCode.NotFound);
        Assert.Equal(["step"], await TestApi.ErrorFieldsAsync(bad, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Plan_Unknown_Is404()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        using var show = await api.Client.GetAsync("/v1/clusters/web/plans/upgrade");
        using var interrupt = await api.Client.PostAsync("/v1/clusters/web/plans/upgrade/interrupt", null);

        await TestApi.ErrorFieldsAsync(show, HttpStatusCode.NotFound);
        await TestApi.ErrorFieldsAsync(interrupt, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Nodes_ShowStateHealthAgentEndpoints()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        var nodes = (await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web/nodes"))).GetProperty("nodes");
        var node = await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web/nodes/web-1"));

        Assert.Equal(3, nodes.GetArrayLength());
        Assert.Equal("RUNNING", node.GetProperty("phase").GetString());
        Assert.True(node.GetProperty("healthy").GetBoolean());
        Assert.Equal("agent-2.example", node.GetProperty("hostname").GetString());
        Assert.Equal("agent-2.example:9990", node.GetProperty("endpoints").GetProperty("admin").GetString());
    }

    [Fact]
    public async Task Node_RestartAndReplace_Are202()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        using var restart = await api.Client.PostAsync("/v1/clusters/web/nodes/web-0/restart", null);
        using var replace = await api.Client.PostAsync("/v1/clusters/web/nodes/web-1/replace", null);
        var snapshot = api.Scheduler.Snapshot().Clusters.Single();

        Assert.Equal(HttpStatusCode.Accepted, restart.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, replace.StatusCode);
        Assert.Equal(NodeGoal.Restart, snapshot.Nodes[0].Goal);
        Assert.Equal(NodeGoal.Replace, snapshot.Nodes[1].Goal);
    }

    [Fact]
    public async Task Node_RestartWhileNotRunning_Is409()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web(), running: false);

        using var restart = await api.Client.PostAsync("/v1/clusters/web/nodes/web-0/restart", null);

        await TestApi.ErrorFieldsAsync(restart, HttpStatusCode.Conflict);
        Assert.Empty(api.Scheduler.Calls);
    }

    [Theory]
    [InlineData("/v1/clusters/web/nodes/web-7", "GET")]
    [InlineData("/v1/clusters/web/nodes/web-7/restart", "POST")]
    [InlineData("/v1/clusters/nope/nodes/web-0/replace", "POST")]
    [InlineData("/v1/clusters/nope/nodes", "GET")]
    public async Task Node_Unknown_Is404(string path, string method)
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        using var response = await api.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await TestApi.ErrorFieldsAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Endpoints_PerPortAndPerNode()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());

        var all = await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web/endpoints"));
        var http = await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web/endpoints?port=http"));
        using var unknown = await api.Client.GetAsync("/v1/clusters/web/endpoints?port=gopher");

        Assert.Equal(
            ["agent-1.example:9990", "agent-2.example:9990", "agent-3.example:9990"],
            all.GetProperty("ports").GetProperty("admin").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(3, all.GetProperty("nodes").GetArrayLength());
        Assert.False(http.GetProperty("ports").TryGetProperty("admin", out _));
        Assert.Equal(3, http.GetProperty("ports").GetProperty("http").GetArrayLength());
        await TestApi.ErrorFieldsAsync(unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task State_IsTheWholeSnapshot()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());
        api.Scheduler.Seed(Samples.Ring());

        var state = await TestApi.ReadAsync(await api.Client.GetAsync("/v1/state"));

        Assert.Equal(["ring", "web"], state.GetProperty("clusters").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Equal("SUBSCRIBED", state.GetProperty("subscription").GetProperty("state").GetString());
        Assert.True(state.TryGetProperty("admin_operations", out _));
    }
}
