using Drover.Jmx.Tests.Support;
using Drover.Testing;

namespace Drover.Jmx.Tests;

/// <summary>The helper against the Cassandra stand-in over real remote JMX (RMI on 127.0.0.1).</summary>
public sealed class JmxHelperStandinTests(StandinFixture fixture) : IClassFixture<StandinFixture>
{
    private const string StorageService = "org.apache.cassandra.db:type=StorageService";

    private static readonly string[] Health = ["OperationMode", "Initialized", "GossipRunning", "NativeTransportRunning"];

    [Fact]
    public async Task ReadAsync_StorageService_ReturnsTypedValues()
    {
        await using var helper = fixture.Helper();
        await WaitForNormal(helper);

        var values = await helper.ReadAsync(StorageService, [.. Health, "AllDataFileLocations", "CurrentGenerationNumber", "NativeTransportPort"]);

        Assert.Equal("NORMAL", values["OperationMode"].AsString());
        Assert.True(values["Initialized"].AsBoolean());
        Assert.True(values["GossipRunning"].AsBoolean());
        Assert.True(values["NativeTransportRunning"].AsBoolean());
        Assert.EndsWith("/data/data", Assert.Single(values["AllDataFileLocations"].Items).AsString(), StringComparison.Ordinal);
        Assert.True(values["CurrentGenerationNumber"].AsInt64() > 1_600_000_000);
        Assert.Equal(fixture.Node.NativePort, values["NativeTransportPort"].AsInt64());
    }

    [Fact]
    public async Task ReadAsync_CompositeData_IsAnObject()
    {
        await using var helper = fixture.Helper();

        var heap = (await helper.ReadAsync("java.lang:type=Memory", ["HeapMemoryUsage"]))["HeapMemoryUsage"];

        Assert.Equal(JmxValueKind.Object, heap.Kind);
        Assert.True(heap.Properties["used"].AsInt64() > 0);
        Assert.True(heap.Properties["max"].AsInt64() >= heap.Properties["used"].AsInt64());
    }

    [Fact]
    public async Task InvokeAsync_WithMapAndArrayArguments_ReturnsTheResult()
    {
        await using var helper = fixture.Helper();
        var before = (await helper.ReadAsync(StorageService, ["RepairCount"]))["RepairCount"].AsInt64();

        var command = await helper.InvokeAsync(StorageService, "repairAsync",
            [JmxValue.From("ks1"), JmxValue.Object([new("incremental", JmxValue.From("true"))])],
            ["java.lang.String", "java.util.Map"]);
        var cleanup = await helper.InvokeAsync(StorageService, "forceKeyspaceCleanup",
            [JmxValue.From(1), JmxValue.From("ks1"), JmxValue.Array("t1", "t2")],
            ["int", "java.lang.String", "[Ljava.lang.String;"]);

        Assert.True(command.AsInt64() >= 1);
        Assert.Equal(0, cleanup.AsInt64());
        Assert.Equal(before + 1, (await helper.ReadAsync(StorageService, ["RepairCount"]))["RepairCount"].AsInt64());
    }

    [Fact]
    public async Task RemoteErrors_AreReported_AndTheHelperStays()
    {
        await using var helper = fixture.Helper();
        await helper.PingAsync();
        var pid = helper.Pid;

        var attribute = await Assert.ThrowsAsync<JmxRemoteException>(() => helper.ReadAsync(StorageService, ["NoSuchAttribute"]));
        var mbean = await Assert.ThrowsAsync<JmxRemoteException>(() => helper.ReadAsync("org.apache.cassandra.db:type=Nothing", ["X"]));
        var operation = await Assert.ThrowsAsync<JmxRemoteException>(() => helper.InvokeAsync(StorageService, "noSuchOperation", [], []));
        var wrongType = await Assert.ThrowsAsync<JmxRemoteException>(() => helper.InvokeAsync(StorageService, "sleep", [JmxValue.From("soon")], ["long"]));

        Assert.Contains("NoSuchAttribute", attribute.Message, StringComparison.Ordinal);
        Assert.Contains("InstanceNotFoundException", mbean.Message, StringComparison.Ordinal);
        Assert.Contains("noSuchOperation", operation.Message, StringComparison.Ordinal);
        Assert.Contains("is not a long", wrongType.Message, StringComparison.Ordinal);
        Assert.Equal(pid, helper.Pid);
        Assert.Equal(1, helper.Starts);
    }

    [Fact]
    public async Task PipelinedRequests_AllAnswered_ByOneHelper()
    {
        await using var helper = fixture.Helper();

        var reads = Enumerable.Range(0, 40).Select(_ => helper.ReadAsync(StorageService, ["Initialized", "LocalHostId"])).ToList();
        var results = await Task.WhenAll(reads).Within("40 pipelined reads");

        Assert.All(results, values => Assert.True(values["Initialized"].AsBoolean()));
        Assert.Single(results.Select(values => values["LocalHostId"].AsString()).Distinct());
        Assert.Equal(1, helper.Starts);
    }

    [Fact]
    public async Task HelperKilledMidRun_FailsInFlightRequests_ThenRecovers()
    {
        await using var helper = fixture.Helper();
        await helper.ReadAsync(StorageService, ["Initialized"]);
        var pid = helper.Pid!.Value;

        // A request in flight (the hang keeps it there) when the helper is SIGKILLed.
        var inFlight = helper.InvokeAsync(StorageService, "sleep", [JmxValue.From(30_000)], ["long"]);
        Posix.Signals.Send(pid, Posix.Signals.SIGKILL);

        var failure = await Assert.ThrowsAsync<JmxHelperFailedException>(() => inFlight.Within("the in-flight request to fail"));
        Assert.Contains("killed by SIGKILL", failure.Message, StringComparison.Ordinal);

        var values = await helper.ReadAsync(StorageService, ["Initialized"]).Within("a read after the kill");
        Assert.True(values["Initialized"].AsBoolean());
        Assert.Equal(2, helper.Starts);
        Assert.NotEqual(pid, helper.Pid);
    }

    [Fact]
    public async Task HangingRequest_TimesOut_KillsTheHelper_AndTheNextRequestWorks()
    {
        await using var helper = fixture.Helper(timeout: TimeSpan.FromSeconds(3));
        await helper.ReadAsync(StorageService, ["Initialized"]);
        var pid = helper.Pid!.Value;

        var started = DateTime.UtcNow;
        var timeout = await Assert.ThrowsAsync<JmxTimeoutException>(
            () => helper.InvokeAsync(StorageService, "sleep", [JmxValue.From(120_000)], ["long"]).Within("the hanging request to time out"));

        Assert.IsType<TimeoutException>(timeout.InnerException);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(15));
        await Eventually.TrueAsync(() => !Posix.Signals.Exists(pid), "the wedged helper to be gone");
        var values = await helper.ReadAsync(StorageService, ["Initialized"]).Within("a read after the timeout");
        Assert.True(values["Initialized"].AsBoolean());
        Assert.Equal(2, helper.Starts);
    }

    [Fact]
    public async Task CallerCancellation_IsNotATimeout_AndKeepsTheHelper()
    {
        await using var helper = fixture.Helper();
        await helper.PingAsync();
        var pid = helper.Pid;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => helper.InvokeAsync(StorageService, "sleep", [JmxValue.From(2_000)], ["long"], cancel.Token));

        Assert.Equal(pid, helper.Pid);
        Assert.True((await helper.ReadAsync(StorageService, ["Initialized"]))["Initialized"].AsBoolean());
    }

    [Fact]
    public async Task Dispose_StopsTheHelperProcess()
    {
        var helper = fixture.Helper();
        await helper.PingAsync();
        var pid = helper.Pid!.Value;

        await helper.DisposeAsync();

        Assert.False(Posix.Signals.Exists(pid));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => helper.PingAsync());
    }

    [Fact]
    public async Task NoServiceListening_IsARemoteError_NotAHelperFailure()
    {
        await using var helper = fixture.Helper(port: Testing.FreePort.Next());

        var error = await Assert.ThrowsAsync<JmxRemoteException>(() => helper.ReadAsync(StorageService, ["Initialized"]));

        Assert.Contains("Connection refused", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, helper.Starts);
    }

    private static Task WaitForNormal(JmxHelper helper) => Eventually.TrueAsync(
        async () =>
        {
            try
            {
                return (await helper.ReadAsync(StorageService, ["OperationMode"]))["OperationMode"].AsString() == "NORMAL";
            }
            catch (JmxRemoteException)
            {
                return false; // the registry may accept before the connector is bound
            }
        },
        "OperationMode NORMAL");
}
