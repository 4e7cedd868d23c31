using System.Buffers;
using Drover.Executor.Agent;
using Drover.Mesos.V1.Executor;
using Google.Protobuf;

namespace Drover.Executor.Tests.Agent;

/// <summary>Events from the agent that break the protocol, each with its kind.</summary>
public class AgentEventsTests
{
    private static ReadOnlySequence<byte> Bytes(params byte[] bytes) => new(bytes);

    [Fact]
    public void Decode_NotAProtobuf_IsUndecodable()
    {
        var e = Assert.Throws<AgentProtocolException>(() => AgentEvents.Decode(Bytes(0xff, 0xff, 0xff)));
        Assert.Equal(AgentProtocolErrorKind.UndecodableEvent, e.Kind);
    }

    [Fact]
    public void Decode_LaunchWithoutItsLaunch_MissesItsBody()
    {
        var e = Assert.Throws<AgentProtocolException>(() => AgentEvents.Decode(Bytes(0x08, 0x02)));
        Assert.Equal(AgentProtocolErrorKind.MissingEventBody, e.Kind);
        Assert.Contains("'launch'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_SubscribedWithoutItsRequiredFields_IsRefused()
    {
        var record = new Event { Type = Event.Types.Type.Subscribed, Subscribed = new Event.Types.Subscribed() }.ToByteArray();

        var e = Assert.Throws<AgentProtocolException>(() => AgentEvents.Decode(Bytes(record)));
        Assert.Equal(AgentProtocolErrorKind.MissingRequiredField, e.Kind);
    }

    [Fact]
    public void Decode_Heartbeat_Decodes()
    {
        var record = Drover.LocalMesos.Agent.ExecutorEvents.Heartbeat().ToByteArray();

        Assert.Equal(Drover.LocalMesos.Agent.ExecutorEvents.HeartbeatType, AgentEvents.Decode(Bytes(record)).Type);
    }

    [Fact]
    public void Decode_RandomBytes_AnEventOrAProtocolError_NothingElse()
    {
        var random = new Random(15);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            try
            {
                Assert.NotNull(AgentEvents.Decode(Bytes(bytes)));
            }
            catch (AgentProtocolException)
            {
                // expected for most garbage
            }
        }
    }
}
