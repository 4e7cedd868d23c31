using System.Collections.Immutable;
using Drover.Registry;
using Drover.Sidecar.Discovery;
using Drover.Sidecar.Tests.Support;
using Drover.Sidecar.View;
using Google.Protobuf;
using Grpc.Core;

namespace Drover.Sidecar.Tests;

/// <summary>
/// WatchNodes messages are serialized once per cluster version and shared by the streams, with the bytes the
/// generated message would have (any client reads them), and each stream's freshness stamped as it writes.
/// </summary>
[Collection(SidecarCollection.Name)]
public sealed class WatchNodesSharingTests(SidecarFixture zk)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Payload_IsTheGeneratedMessagesBytes_ForEveryKindOfEvent()
    {
        var view = View(1, Freshness.StaleSince(Now.AddSeconds(-90)), Nodes.Record("ring", "a"), Nodes.Record("ring", "b", healthy: false));
        var bodies = new WatchNodesBodies();
        var sick = Nodes.Record("ring", "a", healthy: false);
        ClusterEvent[] events =
        [
            new ClusterSnapshot(view),
            new NodeAdded(view, Nodes.Record("ring", "c")),
            new NodeRemoved(view, Nodes.Record("ring", "b")),
            new NodeUpdated(view, sick, Nodes.Record("ring", "a"), NodeChanges.Health | NodeChanges.Other),
            new FreshnessChanged(view),
        ];
        V1.WatchNodesResponse.Types.Type[] types = [V1.WatchNodesResponse.Types.Type.Snapshot, V1.WatchNodesResponse.Types.Type.Added,
            V1.WatchNodesResponse.Types.Type.Removed, V1.WatchNodesResponse.Types.Type.Updated, V1.WatchNodesResponse.Types.Type.Freshness];
        foreach (var (clusterEvent, type) in events.Zip(types))
        {
            var freshness = Messages.Freshness(clusterEvent.View.Freshness, Now);
            var wire = Serialize(new WatchNodesPayload(bodies.Body(clusterEvent), freshness));
            var parsed = V1.WatchNodesResponse.Parser.ParseFrom(wire);
            Assert.Equal(type, parsed.Type);
            Assert.Equal(TimeSpan.FromSeconds(90), parsed.Freshness.Age.ToTimeSpan());
            Assert.False(parsed.Freshness.Live);
            // Byte for byte what the generated message serializes to.
            Assert.Equal(parsed.ToByteArray(), wire);
        }
        var snapshot = V1.WatchNodesResponse.Parser.ParseFrom(Serialize(new WatchNodesPayload(bodies.Body(events[0]), Messages.Freshness(view.Freshness, Now))));
        Assert.Equal([("a", true), ("b", false)], snapshot.Nodes.Select(n => (n.Name, n.Serving)));
        var updated = V1.WatchNodesResponse.Parser.ParseFrom(Serialize(new WatchNodesPayload(bodies.Body(events[3]), Messages.Freshness(view.Freshness, Now))));
        Assert.Equal([V1.WatchNodesResponse.Types.Change.Health, V1.WatchNodesResponse.Types.Change.Other], updated.Changes);
    }

    [Fact]
    public void Snapshot_IsSerializedOncePerVersion_AndOnlyTheLatestIsKept()
    {
        var bodies = new WatchNodesBodies();
        var first = View(1, Freshness.Live, Nodes.Record("ring", "a"));
        var one = bodies.Body(new ClusterSnapshot(first));
        // Each follower gets a snapshot event of its own; the version's body is the same array.
        Assert.Same(one, bodies.Body(new ClusterSnapshot(first)));
        Assert.Equal(1, bodies.SnapshotsSerialized);

        var second = first with { Nodes = first.Nodes.SetItem("b", Nodes.Record("ring", "b")), Version = 2 };
        var two = bodies.Body(new ClusterSnapshot(second));
        Assert.NotSame(one, two);
        Assert.Equal(2, bodies.SnapshotsSerialized);
        // A follower still reading version 1 gets its body built again, without evicting version 2.
        Assert.Equal(one, bodies.Body(new ClusterSnapshot(first)));
        Assert.Same(two, bodies.Body(new ClusterSnapshot(second)));
        Assert.Equal(3, bodies.SnapshotsSerialized);

        // A change event is one object told to every follower: built once.
        var added = new NodeAdded(second, Nodes.Record("ring", "b"));
        Assert.Same(bodies.Body(added), bodies.Body(added));
    }

    [Fact]
    public async Task StreamsOnOneCluster_ShareOneSnapshot_AndEachChange()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var client = await zk.ClientAsync();
        var registry = new RegistryWriter(client, framework);
        await registry.PutAsync(Nodes.Record("ring", "a"));
        await registry.PutAsync(Nodes.Record("ring", "b"));
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework));
        await sidecar.UntilNodesAsync("ring", "a", "b");

        var calls = Enumerable.Range(0, 3).Select(_ => sidecar.Discovery.WatchNodes(new V1.WatchNodesRequest { Cluster = "ring" })).ToList();
        try
        {
            foreach (var call in calls)
            {
                var snapshot = await DiscoveryTests.NextAsync(call.ResponseStream);
                Assert.Equal((V1.WatchNodesResponse.Types.Type.Snapshot, 2, true), (snapshot.Type, snapshot.Nodes.Count, snapshot.Freshness.Live));
            }
            Assert.Equal(1, sidecar.App.Discovery.WatchBodies.SnapshotsSerialized);

            await registry.PutAsync(Nodes.Record("ring", "b", healthy: false));
            foreach (var call in calls)
            {
                var sick = await DiscoveryTests.NextAsync(call.ResponseStream);
                Assert.Equal((V1.WatchNodesResponse.Types.Type.Updated, "b", false), (sick.Type, sick.Nodes.Single().Name, sick.Nodes.Single().Serving));
                Assert.Equal([V1.WatchNodesResponse.Types.Change.Health], sick.Changes);
            }
            Assert.Equal(1, sidecar.App.Discovery.WatchBodies.SnapshotsSerialized);
        }
        finally
        {
            foreach (var call in calls)
            {
                call.Dispose();
            }
        }
    }

    private static ClusterView View(long version, Freshness freshness, params NodeRecord[] nodes) =>
        new("ring", nodes.ToImmutableSortedDictionary(n => n.Node, n => n, StringComparer.Ordinal), freshness, version);

    private static byte[] Serialize(WatchNodesPayload payload)
    {
        var context = new BufferContext();
        WatchNodesPayload.Marshaller.ContextualSerializer(payload, context);
        return context.Written;
    }

    private sealed class BufferContext : SerializationContext
    {
        private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new();
        private int _length = -1;

        public byte[] Written { get; private set; } = [];

        public override void SetPayloadLength(int payloadLength) => _length = payloadLength;

        public override System.Buffers.IBufferWriter<byte> GetBufferWriter() => _buffer;

        public override void Complete()
        {
            Written = _buffer.WrittenSpan.ToArray();
            // The length declared before the bytes is the length written.
            Assert.Equal(_length, Written.Length);
        }
    }
}
