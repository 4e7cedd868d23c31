using System.Net;
using Drover.Scheduler.Api.Tests.Fakes;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Testing.Prometheus;
using Microsoft.Extensions.Time.Testing;

namespace Drover.Scheduler.Api.Tests;

public class MetricsTests
{
    [Fact]
    public async Task Metrics_ShowTheSchedulerState_AndPassPromtool()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var api = await TestApi.StartAsync(time: time);
        api.Scheduler.Seed(Samples.Web());
        api.Scheduler.Seed(Samples.Ring(), running: false);
        api.Scheduler.Edit("web", "web-2", n => n with { Healthy = false });
        api.Scheduler.SetOffers(new OfferCounters { Received = 120, Used = 7, Declined = 113, Rescinded = 2 });
        api.Scheduler.SetSubscription(new SubscriptionView { State = SubscriptionState.Subscribed, LastHeartbeat = time.GetUtcNow(), Reconciling = 0 });
        time.Advance(TimeSpan.FromSeconds(42));

        using var response = await api.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        var (exit, output) = await ExternalProcess.RunAsync(ExternalProcess.Promtool, "check metrics", text);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(exit == 0, output);
        Assert.Contains("drover_scheduler_offers_received_total 120\n", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_offers_declined_total 113\n", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_offers_used_total 7\n", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_heartbeat_age_seconds 42\n", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_subscription_state{state=\"SUBSCRIBED\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_subscription_state{state=\"STANDBY\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_nodes{cluster=\"web\",phase=\"RUNNING\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_nodes_pending{cluster=\"ring\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_nodes_healthy{cluster=\"web\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_plan_status{cluster=\"web\",plan=\"deploy\",status=\"COMPLETE\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_plan_status{cluster=\"ring\",plan=\"deploy\",status=\"IN_PROGRESS\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_plan_steps{cluster=\"ring\",plan=\"deploy\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_reconciling_tasks 0\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_StateLabels_AreTheJsonNames()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Web());
        api.Scheduler.Edit("web", "web-0", n => n with { Phase = NodePhase.Leaving });

        var text = await api.Client.GetStringAsync("/metrics");
        var node = await TestApi.ReadAsync(await api.Client.GetAsync("/v1/clusters/web/nodes/web-0"));

        Assert.Contains($"phase=\"{node.GetProperty("phase").GetString()}\"}} 1", text, StringComparison.Ordinal);
        foreach (var state in Enum.GetValues<AdminOperationState>())
        {
            var json = System.Text.Json.JsonSerializer.Serialize(state, ApiJsonContext.Default.Options).Trim('"');
            Assert.Contains($"drover_scheduler_admin_operations{{state=\"{json}\"}} 0", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Metrics_NoHeartbeatYet_LeavesTheAgeOut()
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.SetSubscription(new SubscriptionView { State = SubscriptionState.Subscribing });

        var text = await api.Client.GetStringAsync("/metrics");

        Assert.DoesNotContain("drover_scheduler_heartbeat_age_seconds ", text, StringComparison.Ordinal);
        Assert.Contains("drover_scheduler_subscription_state{state=\"SUBSCRIBING\"} 1", text, StringComparison.Ordinal);
    }
}
