using System.Net;
using Drover.Scheduler.Api.Tests.Fakes;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;

namespace Drover.Scheduler.Api.Tests;

/// <summary>The console page rendered by a real browser (headless Chromium) from the API's JSON.</summary>
public class ConsoleTests
{
    [Fact]
    public async Task Console_InChromium_ShowsNodesWithStateHealthAgentAndEndpoints()
    {
        await using var api = await TestApi.StartAsync();
        Shape(api.Scheduler);
        var url = $"{api.Url}#token={TestApi.Token}";

        var dom = await Chromium.DumpDomAsync(url);
        await Chromium.ScreenshotAsync(url, Chromium.ArtefactPath("console.png"));
        await File.WriteAllTextAsync(Chromium.ArtefactPath("console.html"), dom);

        foreach (var node in new[] { "web-0", "web-1", "web-2", "ring-0", "ring-1", "ring-2" })
        {
            Assert.Contains($"data-node=\"{node}\"", dom, StringComparison.Ordinal);
        }

        Assert.Contains("agent-1.example:9990", dom, StringComparison.Ordinal);
        Assert.Contains("http agent-2.example:", dom, StringComparison.Ordinal);
        Assert.Contains("agent-3.example", dom, StringComparison.Ordinal);
        Assert.Contains(">RUNNING<", dom, StringComparison.Ordinal);
        Assert.Contains(">LOST<", dom, StringComparison.Ordinal);
        Assert.Contains(">PENDING<", dom, StringComparison.Ordinal);
        Assert.Contains(">healthy<", dom, StringComparison.Ordinal);
        Assert.Contains(">unhealthy<", dom, StringComparison.Ordinal);
        Assert.Contains("data-plan=\"deploy\"", dom, StringComparison.Ordinal);
        Assert.Contains("1 / 3 steps", dom, StringComparison.Ordinal);
        Assert.Contains("data-step=\"ring-0\"", dom, StringComparison.Ordinal);
        Assert.Contains("repair", dom, StringComparison.Ordinal);
        Assert.DoesNotContain(TestApi.Token, dom, StringComparison.Ordinal);
        Assert.Contains("<form id=\"login\" class=\"login\" hidden=\"\">", dom, StringComparison.Ordinal);
        var png = await File.ReadAllBytesAsync(Chromium.ArtefactPath("console.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    [Fact]
    public async Task Console_WithoutTheToken_AsksForIt()
    {
        await using var api = await TestApi.StartAsync();
        Shape(api.Scheduler);

        var dom = await Chromium.DumpDomAsync(api.Url.ToString());

        Assert.Contains("<form id=\"login\" class=\"login\">", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("data-node=", dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_Files_CarryAStrictPolicyAndAnETag()
    {
        await using var api = await TestApi.StartAsync();
        using var anonymous = api.NewClient(token: null);

        using var page = await anonymous.GetAsync("/");
        using var again = new HttpRequestMessage(HttpMethod.Get, "/console.js");
        using var script = await anonymous.GetAsync("/console.js");
        again.Headers.TryAddWithoutValidation("If-None-Match", script.Headers.ETag!.Tag);
        using var cached = await anonymous.SendAsync(again);

        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
    }

    /// <summary>A cluster deployed and healthy but for one node; another mid-deploy with a lost node; an admin operation.</summary>
    private static void Shape(FakeScheduler scheduler)
    {
        scheduler.Seed(Samples.Web());
        scheduler.Edit("web", "web-2", n => n with { Healthy = false, Message = "http check: connection refused" });
        scheduler.Seed(Samples.Ring(), running: false);
        scheduler.Edit("ring", "ring-0", n => n with { Phase = NodePhase.Running, Healthy = true, Hostname = "agent-3.example", AgentId = "S3", TaskState = "TASK_RUNNING" });
        scheduler.Edit("ring", "ring-1", n => n with { Phase = NodePhase.Lost, Hostname = "agent-4.example", TaskState = "TASK_UNREACHABLE" });
        scheduler.MarkStep("ring", "deploy", "ring-0", Plans.StepStatus.Complete);
        scheduler.MarkStep("ring", "deploy", "ring-1", Plans.StepStatus.InProgress);
        scheduler.SendAdminOperationAsync("web", "web-0", "repair", new Dictionary<string, string>()).GetAwaiter().GetResult();
        scheduler.SetSubscription(new SubscriptionView { State = SubscriptionState.Subscribed, Master = "master@127.0.0.1:5050", LastHeartbeat = DateTimeOffset.UtcNow });
    }
}
