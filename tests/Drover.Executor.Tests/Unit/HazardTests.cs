using Drover.Executor.Cepmd;
using Drover.Executor.Metrics;
using Drover.Executor.Tasks;
using System.Net;
using System.Net.Sockets;

namespace Drover.Executor.Tests.Unit;

/// <summary>Inputs the scheduler or the host controls, which once could hurt the executor.</summary>
public class HazardTests
{
    [Fact]
    public void EnvironmentName_OfAHugePortName_IsMadeOnTheHeap()
    {
        // A stackalloc of this size would overflow the stack and kill the executor.
        var name = new string('x', 4_000_000);

        var variable = LaunchPlanner.EnvironmentName(name);

        Assert.Equal(name.Length, variable.Length);
        Assert.All(variable.Take(10), c => Assert.Equal('X', c));
    }

    [Theory]
    [InlineData("http", "HTTP")]
    [InlineData("jmx-rmi", "JMX_RMI")]
    [InlineData("é", "_")]
    public void EnvironmentName_UpperCasesLettersAndDigits_ReplacesTheRest(string name, string expected)
    {
        Assert.Equal(expected, LaunchPlanner.EnvironmentName(name));
    }

    [Fact]
    public async Task TaskEpmd_OnABusyPort_SaysWhyAndChangesNothing()
    {
        using var holder = new TcpListener(IPAddress.Any, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        var metrics = new ExecutorMetrics();

        var result = await TaskEpmd.StartAsync("t1", port, registry: null, node: null, "localhost", metrics.Epmd);

        var failed = Assert.IsType<TaskEpmd.Failed>(result);
        Assert.StartsWith($"cannot start the cEPMD on port {port}", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TaskEpmd_OnAFreePort_ListensUntilStopped()
    {
        var port = Drover.Testing.FreePort.Next();
        var metrics = new ExecutorMetrics();

        var started = Assert.IsType<TaskEpmd.Started>(await TaskEpmd.StartAsync("t1", port, registry: null, node: null, "localhost", metrics.Epmd));
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
        }

        await started.Epmd.StopAsync();
        Assert.Throws<SocketException>(() =>
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
        });
    }

    [Fact]
    public void SandboxPath_RefusesWhatLeavesTheRoot()
    {
        Assert.Equal("/sandbox/drover/a.conf", SandboxPath.Resolve("/sandbox/drover", "a.conf"));
        Assert.Equal("/sandbox/x", SandboxPath.Resolve("/sandbox", "y/../x"));
        Assert.Null(SandboxPath.Resolve("/sandbox/drover", "../escape"));
        Assert.Null(SandboxPath.Resolve("/sandbox/drover", "/etc/passwd"));
        Assert.Null(SandboxPath.Resolve("/sandbox", "../sandbox2"));
    }
}
