using System.Net;
using System.Net.Http.Headers;
using Drover.Scheduler.Api.Tests.Fakes;
using Drover.Scheduler.Operations;

namespace Drover.Scheduler.Api.Tests;

public class AuthenticationTests
{
    [Theory]
    [InlineData("/v1/state")]
    [InlineData("/v1/clusters")]
    [InlineData("/v1/admin")]
    [InlineData("/metrics")]
    [InlineData("/v1/no-such-endpoint")]
    public async Task Get_WithoutToken_Is401WithChallenge(string path)
    {
        await using var api = await TestApi.StartAsync();
        using var anonymous = api.NewClient(token: null);

        using var response = await anonymous.GetAsync(path);

        await TestApi.ErrorFieldsAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Get_WithWrongToken_Is401InvalidToken()
    {
        await using var api = await TestApi.StartAsync();
        using var intruder = api.NewClient(TestApi.Token[..^1] + "x");

        using var response = await intruder.GetAsync("/v1/clusters");

        await TestApi.ErrorFieldsAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Change_WithoutToken_IsRefusedAndNothingApplied()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());
        using var anonymous = api.NewClient(token: null);

        using var delete = await anonymous.DeleteAsync("/v1/clusters/web");
        using var put = await anonymous.PutAsync("/v1/clusters/x", TestApi.Json(Samples.WebJsonWith("x")));

        Assert.Equal(HttpStatusCode.Unauthorized, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
        Assert.Empty(api.Scheduler.Calls);
    }

    [Fact]
    public async Task Get_WithToken_Answers()
    {
        await using var api = await TestApi.StartAsync();

        using var response = await api.Client.GetAsync("/v1/state");

        var state = await TestApi.ReadAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("drover", state.GetProperty("framework").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Bearer_SchemeIsCaseInsensitive()
    {
        await using var api = await TestApi.StartAsync();
        using var client = api.NewClient(token: null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("bearer", TestApi.Token);

        using var response = await client.GetAsync("/v1/clusters");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("/v1/health")]
    [InlineData("/")]
    [InlineData("/console.js")]
    [InlineData("/console.css")]
    public async Task HealthAndConsoleFiles_AreOpen(string path)
    {
        await using var api = await TestApi.StartAsync();
        using var anonymous = api.NewClient(token: null);

        using var response = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Health_SaysLittleAndIs503OnceRefused()
    {
        await using var api = await TestApi.StartAsync();
        using var anonymous = api.NewClient(token: null);

        using var healthy = await anonymous.GetAsync("/v1/health");
        var body = await TestApi.ReadAsync(healthy);
        api.Scheduler.SetSubscription(new SubscriptionView { State = SubscriptionState.Refused, Message = "framework id refused" });
        using var refused = await anonymous.GetAsync("/v1/health");

        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        Assert.Equal("OK", body.GetProperty("status").GetString());
        Assert.Equal("SUBSCRIBED", body.GetProperty("subscription").GetString());
        Assert.False(body.TryGetProperty("clusters", out _));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("REFUSED", (await TestApi.ReadAsync(refused)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_StandbyIsHealthy()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Leader = false;
        api.Scheduler.SetSubscription(new SubscriptionView { State = SubscriptionState.Standby });

        using var response = await api.Client.GetAsync("/v1/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((await TestApi.ReadAsync(response)).GetProperty("leader").GetBoolean());
    }

    [Fact]
    public async Task NoToken_OnLoopback_ServesEverything()
    {
        await using var api = await TestApi.StartAsync(withToken: false);

        using var state = await api.Client.GetAsync("/v1/state");
        using var metrics = await api.Client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, state.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
    }
}
