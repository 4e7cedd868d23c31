using System.Collections.Concurrent;
using System.Net;
using Drover.Executor.Agent;
using Drover.Executor.Core;
using Drover.Executor.Tests.Core;
using Drover.Mesos.V1.Executor;
using Drover.Testing;

namespace Drover.Executor.Tests.Agent;

/// <summary>The agent client's faults are reported to the loop, never lost.</summary>
public class AgentClientTests
{
    /// <summary>
    /// Answers SUBSCRIBE with <paramref name="subscribe"/> and each other call with the next of
    /// <paramref name="calls"/> (the last one repeats): a status code, or an exception to throw.
    /// </summary>
    private sealed class ScriptedHandler(object subscribe, params object[] calls) : HttpMessageHandler
    {
        private int _next;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var call = Call.Parser.ParseFrom(await request.Content!.ReadAsByteArrayAsync(cancellationToken));
            var answer = call.Type == Call.Types.Type.Subscribe ? subscribe : calls[Math.Min(Interlocked.Increment(ref _next) - 1, calls.Length - 1)];
            return answer is Exception e
                ? throw e
                : new HttpResponseMessage((HttpStatusCode)(int)answer) { Content = new StringContent("") };
        }
    }

    private static Call Update() => new() { Type = Call.Types.Type.Update };

    [Fact]
    public async Task Send_AnUnexpectedFault_IsReported_AndLaterCallsStillGo()
    {
        var posted = new ConcurrentQueue<ExecutorEvent>();
        using var client = new AgentClient(LoopHarness.DefaultSettings(), posted.Enqueue, new ScriptedHandler(503, new InvalidOperationException("boom"), 202));
        client.Subscribe(new Call { Type = Call.Types.Type.Subscribe }, connection: 1);

        client.Send(Update(), 1, Guid.NewGuid());
        client.Send(Update(), 1, Guid.NewGuid());

        await Eventually.TrueAsync(() => posted.OfType<CallCompleted>().Count(c => c.StatusCode == 202) == 2, "both calls to be answered 202");
        var fault = posted.OfType<CallCompleted>().First();
        Assert.Null(fault.StatusCode);
        Assert.Contains("InvalidOperationException: boom", fault.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_AnUnexpectedFault_EndsTheSubscriptionSayingWhy()
    {
        var posted = new ConcurrentQueue<ExecutorEvent>();
        using var client = new AgentClient(LoopHarness.DefaultSettings(), posted.Enqueue, new ScriptedHandler(new InvalidOperationException("boom"), 202));

        client.Subscribe(new Call { Type = Call.Types.Type.Subscribe }, connection: 7);

        await Eventually.TrueAsync(() => posted.OfType<SubscriptionClosed>().Any(), "the subscription to end");
        var closed = Assert.Single(posted.OfType<SubscriptionClosed>());
        Assert.Equal(7, closed.ConnectionId);
        Assert.Contains("InvalidOperationException: boom", closed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ForAConnectionNoLongerCurrent_IsDropped()
    {
        var posted = new ConcurrentQueue<ExecutorEvent>();
        using var client = new AgentClient(LoopHarness.DefaultSettings(), posted.Enqueue, new ScriptedHandler(503, 202));
        client.Subscribe(new Call { Type = Call.Types.Type.Subscribe }, connection: 1);
        client.Disconnect();

        client.Send(Update(), 1, Guid.NewGuid());
        client.Subscribe(new Call { Type = Call.Types.Type.Subscribe }, connection: 2);
        client.Send(Update(), 2, Guid.NewGuid());

        await Eventually.TrueAsync(() => posted.OfType<CallCompleted>().Any(), "the current connection's call to be answered");
        Assert.Equal(2, Assert.Single(posted.OfType<CallCompleted>()).ConnectionId);
    }
}
