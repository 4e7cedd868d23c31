using System.Collections.Concurrent;
using Drover.Executor.Agent;
using Drover.Executor.Configuration;
using Drover.Executor.Core;
using Drover.LocalMesos.Agent;
using Drover.Mesos.Http;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;
using Drover.Testing;
using Google.Protobuf;

namespace Drover.Executor.Tests.Agent;

/// <summary>
/// The agent client against the agent emulator (Kestrel, as a real agent speaks HTTP/1.1): the SUBSCRIBE stream, calls
/// on a kept-alive connection, the agent's error answers, and faults of the client's own, which are reported to the
/// loop, never lost.
/// </summary>
public sealed class AgentClientTests : IAsyncLifetime
{
    private readonly MesosAgentEmulator _agent = new();
    private readonly ConcurrentQueue<ExecutorEvent> _posted = new();

    /// <summary>When set, the next connection the client opens fails with it instead (a fault of the client's own).</summary>
    private Exception? _fault;

    private int _connections;

    public Task InitializeAsync() => _agent.StartAsync();

    public async Task DisposeAsync() => await _agent.DisposeAsync();

    private AgentClient NewClient() => new(
        new ExecutorSettings
        {
            FrameworkId = _agent.FrameworkId,
            ExecutorId = _agent.ExecutorId,
            AgentEndpoint = $"127.0.0.1:{_agent.Port}",
            Sandbox = Path.GetTempPath(),
            Checkpoint = true,
            Environment = new Dictionary<string, string>(),
        },
        _posted.Enqueue,
        cancellation =>
        {
            Interlocked.Increment(ref _connections);
            return Interlocked.Exchange(ref _fault, null) is { } fault
                ? throw fault
                : Http1Connection.ConnectAsync("127.0.0.1", _agent.Port, AgentClient.ConnectTimeout, cancellation);
        });

    private Call Subscribe() => new()
    {
        Type = Call.Types.Type.Subscribe,
        FrameworkId = new FrameworkID { Value = _agent.FrameworkId },
        ExecutorId = new ExecutorID { Value = _agent.ExecutorId },
        Subscribe = new Call.Types.Subscribe(),
    };

    private Call Message(string text) => new()
    {
        Type = Call.Types.Type.Message,
        FrameworkId = new FrameworkID { Value = _agent.FrameworkId },
        ExecutorId = new ExecutorID { Value = _agent.ExecutorId },
        Message = new Call.Types.Message { Data = ByteString.CopyFromUtf8(text) },
    };

    private Task Answered(int count, int status) =>
        Eventually.TrueAsync(() => _posted.OfType<CallCompleted>().Count(c => c.StatusCode == status) == count, $"{count} calls answered {status}");

    [Fact]
    public async Task Subscribe_OpensTheStream_AndDecodesTheAgentsEventsAsTheyCome()
    {
        using var client = NewClient();
        client.Subscribe(Subscribe(), connection: 3);

        await Eventually.TrueAsync(() => _posted.OfType<AgentEventReceived>().Any(e => e.Event.Type == Event.Types.Type.Subscribed), "SUBSCRIBED");
        await _agent.SendMessageAsync(ByteString.CopyFromUtf8("hello"));
        await Eventually.TrueAsync(() => _posted.OfType<AgentEventReceived>().Any(e => e.Event.Type == Event.Types.Type.Message), "the MESSAGE event");

        Assert.Equal(3, Assert.Single(_posted.OfType<SubscriptionOpened>()).ConnectionId);
        Assert.All(_posted.OfType<AgentEventReceived>(), e => Assert.Equal(3, e.ConnectionId));
        Assert.Equal("hello", _posted.OfType<AgentEventReceived>().Single(e => e.Event.Type == Event.Types.Type.Message).Event.Message.Data.ToStringUtf8());
    }

    [Fact]
    public async Task Subscribe_TheAgentDroppingTheStream_EndsTheSubscriptionSayingWhy()
    {
        using var client = NewClient();
        client.Subscribe(Subscribe(), connection: 1);
        await Eventually.TrueAsync(() => _posted.OfType<SubscriptionOpened>().Any(), "the subscription to open");

        await _agent.DropSubscriptionAsync();

        await Eventually.TrueAsync(() => _posted.OfType<SubscriptionClosed>().Any(), "the subscription to end");
        Assert.Equal(1, Assert.Single(_posted.OfType<SubscriptionClosed>()).ConnectionId);
    }

    [Fact]
    public async Task Subscribe_AnErrorAnswer_EndsTheSubscriptionWithTheAgentsWords()
    {
        _agent.RespondNext(Call.Types.Type.Subscribe, 503, "Agent has not finished recovery");
        using var client = NewClient();

        client.Subscribe(Subscribe(), connection: 2);

        await Eventually.TrueAsync(() => _posted.OfType<SubscriptionClosed>().Any(), "the subscription to end");
        var closed = Assert.Single(_posted.OfType<SubscriptionClosed>());
        Assert.Contains("SUBSCRIBE answered 503", closed.Reason, StringComparison.Ordinal);
        Assert.Contains("Agent has not finished recovery", closed.Reason, StringComparison.Ordinal);
        Assert.Empty(_posted.OfType<SubscriptionOpened>());
    }

    [Fact]
    public async Task Subscribe_NobodyListening_SaysTheAgentIsUnreachable()
    {
        var port = _agent.Port;
        await _agent.StopAsync();
        using var client = NewClient();

        client.Subscribe(Subscribe(), connection: 1);

        await Eventually.TrueAsync(() => _posted.OfType<SubscriptionClosed>().Any(), "the subscription to end");
        var closed = Assert.Single(_posted.OfType<SubscriptionClosed>());
        Assert.Contains("agent unreachable", closed.Reason, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", closed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_AnUnexpectedFault_EndsTheSubscriptionSayingWhy()
    {
        _fault = new InvalidOperationException("boom");
        using var client = NewClient();

        client.Subscribe(Subscribe(), connection: 7);

        await Eventually.TrueAsync(() => _posted.OfType<SubscriptionClosed>().Any(), "the subscription to end");
        var closed = Assert.Single(_posted.OfType<SubscriptionClosed>());
        Assert.Equal(7, closed.ConnectionId);
        Assert.Contains("InvalidOperationException: boom", closed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_CallsGoInOrderOnOneKeptAliveConnection()
    {
        using var client = NewClient();
        client.Subscribe(Subscribe(), connection: 1);
        await Eventually.TrueAsync(() => _posted.OfType<SubscriptionOpened>().Any(), "the subscription to open");

        for (var i = 0; i < 5; i++)
        {
            client.Send(Message($"m{i}"), 1, update: null);
        }

        await Answered(5, 202);
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], _agent.Messages.Select(m => m.ToStringUtf8()));
        Assert.Equal(2, Volatile.Read(ref _connections)); // the subscription's, and one for every call
    }

    [Fact]
    public async Task Send_AnErrorAnswer_IsFinal_AndA5xxIsRetried()
    {
        _agent.RespondNext(Call.Types.Type.Message, 400, "Failed to validate Executor::Call: bad");
        _agent.RespondNext(Call.Types.Type.Message, 503, "Agent has not finished recovery");
        using var client = NewClient();
        client.Subscribe(Subscribe(), connection: 1);
        await Eventually.TrueAsync(() => _posted.OfType<SubscriptionOpened>().Any(), "the subscription to open");

        client.Send(Message("refused"), 1, update: null);
        client.Send(Message("retried"), 1, update: null);

        await Answered(1, 202);
        var answers = _posted.OfType<CallCompleted>().ToList();
        Assert.Equal([400, 503, 202], answers.Select(c => c.StatusCode));
        Assert.Contains("Failed to validate Executor::Call: bad", answers[0].Error, StringComparison.Ordinal);
        Assert.EndsWith("(retrying)", answers[1].Error, StringComparison.Ordinal);
        Assert.Equal(["retried"], _agent.Messages.Select(m => m.ToStringUtf8()));
    }

    [Fact]
    public async Task Send_TheAgentAbortingACall_IsRetriedOnAFreshConnection()
    {
        using var client = NewClient();
        client.Subscribe(Subscribe(), connection: 1);
        await Eventually.TrueAsync(() => _posted.OfType<SubscriptionOpened>().Any(), "the subscription to open");
        client.Send(Message("first"), 1, update: null);
        await Answered(1, 202);

        _agent.AbortNext(Call.Types.Type.Message);
        client.Send(Message("second"), 1, update: null);

        await Answered(2, 202);
        Assert.Equal(["first", "second"], _agent.Messages.Select(m => m.ToStringUtf8()));
        Assert.True(Volatile.Read(ref _connections) >= 3, "the aborted connection is not used again");
    }

    [Fact]
    public async Task Send_AnUnexpectedFault_IsReported_AndLaterCallsStillGo()
    {
        using var client = NewClient();
        client.Subscribe(Subscribe(), connection: 1);
        await Eventually.TrueAsync(() => _posted.OfType<SubscriptionOpened>().Any(), "the subscription to open");
        _fault = new InvalidOperationException("boom");

        client.Send(Message("a"), 1, update: null);
        client.Send(Message("b"), 1, update: null);

        await Answered(2, 202);
        var fault = _posted.OfType<CallCompleted>().First();
        Assert.Null(fault.StatusCode);
        Assert.Contains("InvalidOperationException: boom", fault.Error, StringComparison.Ordinal);
        Assert.Equal(["a", "b"], _agent.Messages.Select(m => m.ToStringUtf8()));
    }

    [Fact]
    public async Task Send_ForAConnectionNoLongerCurrent_IsDropped()
    {
        using var client = NewClient();
        client.Subscribe(Subscribe(), connection: 1);
        client.Disconnect();

        client.Send(Message("old"), 1, update: null);
        client.Subscribe(Subscribe(), connection: 2);
        client.Send(Message("new"), 2, update: null);

        await Eventually.TrueAsync(() => _posted.OfType<CallCompleted>().Any(), "the current connection's call to be answered");
        Assert.Equal(2, Assert.Single(_posted.OfType<CallCompleted>()).ConnectionId);
        Assert.Equal(["new"], _agent.Messages.Select(m => m.ToStringUtf8()));
    }
}
