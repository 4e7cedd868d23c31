using System.Net;
using Drover.Scheduler.Api.Tests.Fakes;

namespace Drover.Scheduler.Api.Tests;

public class BrowserGuardTests
{
    [Fact]
    public async Task CrossOriginChange_Is403AndNotApplied()
    {
        await using var api = await TestApi.StartAsync(withToken: false);
        api.Scheduler.Seed(Samples.Web());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/clusters/web/nodes/web-0/replace");
        request.Headers.Add("Origin", "http://evil.example");

        using var response = await api.Client.SendAsync(request);

        await TestApi.ErrorFieldsAsync(response, HttpStatusCode.Forbidden);
        Assert.Empty(api.Scheduler.Calls);
    }

    [Fact]
    public async Task SameOriginChange_Passes()
    {
        await using var api = await TestApi.StartAsync(withToken: false);
        api.Scheduler.Seed(Samples.Web());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/clusters/web/nodes/web-0/replace");
        request.Headers.Add("Origin", $"http://{api.Url.Authority}");

        using var response = await api.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task NoToken_ForeignHostHeader_Is403()
    {
        // DNS rebinding: a page under another name resolving to 127.0.0.1.
        await using var api = await TestApi.StartAsync(withToken: false);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/state");
        request.Headers.Host = $"rebound.example:{api.Url.Port}";

        using var response = await api.Client.SendAsync(request);

        await TestApi.ErrorFieldsAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task WithToken_ForeignHostHeader_IsServed()
    {
        await using var api = await TestApi.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/state");
        request.Headers.Host = $"scheduler.example:{api.Url.Port}";

        using var response = await api.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.9.9.9", true)]
    [InlineData("[::1]", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("localhost.evil.example", false)]
    public void IsLoopbackHost(string host, bool expected) => Assert.Equal(expected, BrowserGuard.IsLoopbackHost(host));
}
