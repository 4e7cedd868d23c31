using System.Net;
using System.Text.Json;
using CliWrap;
using Drover.Metrics;
using Drover.Scheduler.Api;
using Drover.Scheduler.Model;
using Drover.Scheduler.Plans.Quobyte;
using Drover.Testing.Programs;
using static Drover.Scheduler.Tests.Plans.KindHarness;

namespace Drover.Scheduler.Tests.Plans;

/// <summary>
/// The kinds' operations through the operator API of a real scheduler loop (fake master, fake clock), with the real
/// curl: the Quobyte seed's lines verbatim, Drill's dataset size, Cassandra's repair and cleanup, and bad input.
/// </summary>
public class ServiceApiTests
{
    private static readonly TimeSpan CurlTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs curl with <paramref name="arguments"/> (the URL's "http://scheduler" replaced by the API's address); the status and the body.</summary>
    private static async Task<(int Status, string Body)> CurlAsync(OperatorServer api, params string[] arguments)
    {
        ExternalProgram.Require("/usr/bin/curl", "curl");
        var url = api.Url.ToString().TrimEnd('/');
        var result = await ExternalProgram.RunAsync(
            Cli.Wrap("/usr/bin/curl").WithArguments(["-s", "-w", "\n%{http_code}", .. arguments.Select(a => a.Replace("http://scheduler", url, StringComparison.Ordinal))]),
            CurlTimeout);
        Assert.True(result.ExitCode == 0, result.Output);
        var text = result.Output.TrimEnd();
        var cut = text.LastIndexOf('\n');
        return (int.Parse(text[(cut + 1)..], System.Globalization.CultureInfo.InvariantCulture), cut < 0 ? "" : text[..cut]);
    }

    private static Task<OperatorServer> ApiAsync(Support.Harness h) => OperatorApi.StartAsync(
        h.Loop, new OperatorApiOptions { Listen = new ListenAddress(IPAddress.Loopback, 0) }, new MetricRegistry(), h.Time);

    private static ClusterSpec Quobyte() => new()
    {
        Name = "qb",
        Kind = ClusterKind.Quobyte,
        Resources = new NodeResources { Cpus = 1, Mem = 1024 },
        Service = new ServiceSpec { InstallDir = "/opt/quobyte" },
        Quobyte = new QuobyteSpec
        {
            Nodes = [new QuobyteHostSpec { Host = "host1", Services = [QuobyteRole.Registry, QuobyteRole.Metadata, QuobyteRole.Data], Devices = ["/mnt/quobyte/1"] }],
        },
    };

    [Fact]
    public async Task TheQuobyteSeedsCurlLines_DeployUpgradeAndStop_AndGetVersionShowsTheProgress()
    {
        await using var h = await StartedAsync(2);
        await using var api = await ApiAsync(h);
        Assert.Equal(404, (await CurlAsync(api, "http://scheduler/v1/version")).Status);
        await h.PutAsync(Quobyte());

        var deploy = await CurlAsync(api, "-X", "POST", "--data", "1.1.5", "http://scheduler/v1/version");
        Assert.True(deploy.Status == 202, deploy.Body);
        await h.DriveAsync(s => s.Clusters[0].Service!.Quobyte!.State == QuobyteDeployment.Running, "1.1.5 running", forceOffers: true);
        using (var shown = JsonDocument.Parse((await CurlAsync(api, "http://scheduler/v1/version")).Body))
        {
            Assert.Equal("1.1.5", shown.RootElement.GetProperty("current").GetString());
            Assert.Equal("RUNNING", shown.RootElement.GetProperty("state").GetString());
            Assert.Equal(3, shown.RootElement.GetProperty("done").GetInt32());
        }

        Assert.Equal(202, (await CurlAsync(api, "-X", "POST", "--data", "1.1.6", "http://scheduler/v1/version")).Status);
        await h.SettleAsync();
        using (var upgrading = JsonDocument.Parse((await CurlAsync(api, "http://scheduler/v1/version")).Body))
        {
            Assert.Equal("UPGRADING", upgrading.RootElement.GetProperty("state").GetString());
            Assert.Equal("1.1.6", upgrading.RootElement.GetProperty("target").GetString());
        }

        await h.DriveAsync(s => s.Clusters[0].Service!.Quobyte!.Current == "1.1.6", "1.1.6 running", forceOffers: true);

        var downgrade = await CurlAsync(api, "-X", "POST", "--data", "1.1.0", "http://scheduler/v1/version");
        Assert.Equal(409, downgrade.Status);
        var garbage = await CurlAsync(api, "-X", "POST", "--data", "1.1.7; reboot", "http://scheduler/v1/version");
        Assert.Equal(400, garbage.Status);
        var huge = await CurlAsync(api, "-X", "POST", "--data", new string('1', 300), "http://scheduler/v1/version");
        Assert.Equal(400, huge.Status);
        Assert.Equal("1.1.6", h.Cluster("qb").Spec.Version);

        var stop = await CurlAsync(api, "-X", "POST", "--data", "", "http://scheduler/v1/version");
        Assert.True(stop.Status == 202, stop.Body);
        await h.DriveAsync(s => s.Clusters[0].Nodes.Count == 0, "every service stopped", forceOffers: true);
        using var stopped = JsonDocument.Parse((await CurlAsync(api, "http://scheduler/v1/clusters/qb/version")).Body);
        Assert.Equal("STOPPED", stopped.RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task DatasetRepairAndCleanup_ThroughTheApi_BadInputIsAClear400_WrongKindA409()
    {
        await using var h = await StartedAsync(3);
        await using var api = await ApiAsync(h);
        await h.PutAsync(new ClusterSpec
        {
            Name = "dr",
            Kind = ClusterKind.Drill,
            Count = 1,
            Resources = new NodeResources { Cpus = 1, Mem = 1024 },
            Ports = [new PortSpec { Name = "user" }, new PortSpec { Name = "control" }, new PortSpec { Name = "data" }, new PortSpec { Name = "http" }],
            Service = new ServiceSpec { InstallDir = "/opt/drill" },
            Drill = new DrillSpec { MaxDrillbits = 4 },
        });
        await h.DriveAsync(s => DeployComplete(s, "dr"), "one drillbit", forceOffers: true);

        var json = new[] { "-H", "Content-Type: application/json", "-X", "POST" };
        var stated = await CurlAsync(api, [.. json, "--data", """{"size_mb":250}""", "http://scheduler/v1/clusters/dr/dataset"]);
        Assert.True(stated.Status == 202, stated.Body);
        await h.DriveAsync(s => s.Clusters[0].Nodes.Count(n => n.Healthy == true) == 3, "three drillbits", forceOffers: true);
        using (var service = JsonDocument.Parse((await CurlAsync(api, "http://scheduler/v1/clusters/dr/service")).Body))
        {
            var drill = service.RootElement.GetProperty("drill");
            Assert.Equal(3, drill.GetProperty("desired").GetInt32());
            Assert.Equal(3, drill.GetProperty("drillbits").EnumerateArray().Count(d => d.TryGetProperty("user", out _)));
        }

        foreach (var bad in new[] { """{"size_mb":-5}""", """{"size_mb":"big"}""", """{}""", """{"size_mb":1,"more":2}""", "not json" })
        {
            var refused = await CurlAsync(api, [.. json, "--data", bad, "http://scheduler/v1/clusters/dr/dataset"]);
            Assert.True(refused.Status == 400, $"{bad}: {refused.Status} {refused.Body}");
            Assert.Contains("\"errors\"", refused.Body, StringComparison.Ordinal);
        }

        Assert.Equal(409, (await CurlAsync(api, "-X", "POST", "http://scheduler/v1/clusters/dr/repair")).Status);
        Assert.Equal(409, (await CurlAsync(api, [.. json, "--data", "{}", "http://scheduler/v1/clusters/dr/cleanup"])).Status);
        Assert.Equal(404, (await CurlAsync(api, "-X", "POST", "http://scheduler/v1/clusters/nope/repair")).Status);
        Assert.Equal(3, h.Cluster("dr").Service!.Drill!.Desired);
    }
}
