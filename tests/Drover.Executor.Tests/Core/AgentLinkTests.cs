using Drover.Executor.Core;
using Drover.Executor.Updates;
using Drover.Mesos.V1;
using Drover.LocalMesos.Agent;
using TaskStatus = Drover.Mesos.V1.TaskStatus;
using static Drover.Executor.Tests.Core.LoopHarness;

namespace Drover.Executor.Tests.Core;

/// <summary>Subscription, acknowledgements, resubscription and recovery, on the fake clock.</summary>
public class AgentLinkTests
{
    [Fact]
    public void Subscribe_IsSentAtStart_WithItsIds()
    {
        using var h = Start(subscribed: false);

        var (call, connection) = Assert.Single(h.Agent.Subscribes);
        Assert.Equal("framework-1", call.FrameworkId.Value);
        Assert.Equal("executor-1", call.ExecutorId.Value);
        Assert.NotNull(call.Subscribe);
        Assert.IsType<AgentLink.Subscribing>(h.Loop.Link);
        Assert.Equal(connection, h.Loop.Link.Current);
    }

    [Fact]
    public void Updates_AreKeptUntilAcknowledged_AndCarriedByTheNextSubscribe()
    {
        using var h = Start();
        h.Launch(CommandTask("t1"));
        h.Receive(ExecutorEvents.Acknowledged(h.Sent[0].TaskId, h.Sent[0].Uuid)); // STARTING acknowledged, RUNNING not

        h.Handle(new SubscriptionClosed(h.Agent.Connection, "agent restarting"));
        h.Advance(TimeSpan.FromMilliseconds(100)); // resubscribe backoff: at most 100 ms at first

        var resubscribe = h.Agent.Subscribes[^1].Call.Subscribe;
        Assert.Equal([TaskState.TaskRunning], resubscribe.UnacknowledgedUpdates.Select(u => u.Status.State));
        Assert.Empty(resubscribe.UnacknowledgedTasks); // one of its updates was acknowledged
    }

    [Fact]
    public void UpdatesMadeWhileSubscribing_AreSentAfterSubscribed_TheCarriedOnesAreNot()
    {
        using var h = Start();
        h.Launch(CommandTask("t1"));
        h.Handle(new SubscriptionClosed(h.Agent.Connection, "agent restarting"));
        h.Advance(TimeSpan.FromMilliseconds(100));
        var sentBefore = h.Sent.Count;

        h.Exits("t1", code: 0); // TASK_FINISHED made while the SUBSCRIBE is in flight: not sent yet
        Assert.Equal(sentBefore, h.Sent.Count);
        h.Subscribed();

        var sentAfter = h.Sent.Skip(sentBefore).ToList();
        Assert.Equal([TaskState.TaskFinished], sentAfter.Select(s => s.State));
    }

    [Fact]
    public void Acknowledgements_LetTheExecutorExit()
    {
        using var h = Start();
        h.Launch(CommandTask("t1"));
        h.Exits("t1", code: 0);
        Assert.IsType<ExecutorPhase.Draining>(h.Loop.Phase);

        h.AcknowledgeAll();

        Assert.Equal(0, h.Loop.ExitCode);
    }

    [Fact]
    public void UnknownAcknowledgement_IsIgnored()
    {
        using var h = Start();
        h.Launch(CommandTask("t1"));

        h.Receive(ExecutorEvents.Acknowledged(new TaskID { Value = "t1" }, Google.Protobuf.ByteString.CopyFrom(new byte[16])));

        Assert.IsType<ExecutorPhase.Serving>(h.Loop.Phase);
    }

    [Fact]
    public void Disconnect_WithoutCheckpointing_StopsTheServicesAndExitsOne()
    {
        using var h = Start(DefaultSettings(checkpoint: false));
        h.Launch(CommandTask("t1"));
        var process = h.Processes.Of("t1");

        h.Handle(new SubscriptionClosed(h.Agent.Connection, "agent gone"));

        Assert.IsType<ExecutorPhase.AgentLost>(h.Loop.Phase);
        Assert.Equal([Drover.Posix.Signals.SIGTERM], process.Signals);
        h.Exits("t1", signal: 15);
        Assert.Equal(1, h.Loop.ExitCode);
        Assert.Single(h.Agent.Subscribes);
    }

    [Fact]
    public void Disconnect_WithCheckpointing_ResubscribesWithBackoff_UntilTheRecoveryTimeout()
    {
        var settings = DefaultSettings() with { RecoveryTimeout = TimeSpan.FromSeconds(10), SubscriptionBackoffMax = TimeSpan.FromSeconds(2) };
        using var h = Start(settings);
        h.Launch(CommandTask("t1"));
        var process = h.Processes.Of("t1");

        h.Handle(new SubscriptionClosed(h.Agent.Connection, "agent gone"));
        var attempts = new List<TimeSpan>();
        var elapsed = TimeSpan.Zero;
        while (h.Loop.ExitCode is null && h.Loop.Phase is not ExecutorPhase.AgentLost)
        {
            var before = h.Agent.Subscribes.Count;
            h.Advance(TimeSpan.FromMilliseconds(10));
            elapsed += TimeSpan.FromMilliseconds(10);
            if (h.Agent.Subscribes.Count > before)
            {
                attempts.Add(elapsed);
                h.Handle(new SubscriptionClosed(h.Agent.Connection, "connection refused"));
            }
        }

        // Jitter 0.5: waits of 50, 100, 200, 400, 800 ms, then 1 s each (half the 2 s cap) until 10 s.
        Assert.Equal(TimeSpan.FromMilliseconds(50), attempts[0]);
        Assert.Equal(TimeSpan.FromMilliseconds(150), attempts[1]);
        Assert.Equal(TimeSpan.FromMilliseconds(350), attempts[2]);
        Assert.All(attempts.Zip(attempts.Skip(1)), pair => Assert.InRange(pair.Second - pair.First, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)));
        Assert.Equal(TimeSpan.FromSeconds(10), elapsed);
        Assert.Equal([Drover.Posix.Signals.SIGTERM], process.Signals);
        h.Exits("t1", signal: 15);
        Assert.Equal(1, h.Loop.ExitCode);
    }

    [Fact]
    public void Resubscribed_BeforeTheRecoveryTimeout_KeepsTheServices()
    {
        var settings = DefaultSettings() with { RecoveryTimeout = TimeSpan.FromSeconds(10) };
        using var h = Start(settings);
        h.Launch(CommandTask("t1"));

        h.Handle(new SubscriptionClosed(h.Agent.Connection, "agent restarting"));
        h.Advance(TimeSpan.FromMilliseconds(100));
        h.Subscribed();
        h.Advance(TimeSpan.FromSeconds(20), step: TimeSpan.FromMilliseconds(100));

        Assert.IsType<AgentLink.Subscribed>(h.Loop.Link);
        Assert.IsType<ExecutorPhase.Serving>(h.Loop.Phase);
        Assert.Empty(h.Processes.Of("t1").Signals);
    }

    [Fact]
    public void ErrorEvent_IsADisconnection()
    {
        using var h = Start(DefaultSettings(checkpoint: false));
        h.Launch(CommandTask("t1"));

        h.Receive(ExecutorEvents.Error("Unrecoverable error"));

        Assert.IsType<ExecutorPhase.AgentLost>(h.Loop.Phase);
    }

    [Fact]
    public void NeverSubscribed_RetriesUntilTheRegistrationTimeout_ThenExitsOne()
    {
        var settings = DefaultSettings() with { RegistrationTimeout = TimeSpan.FromSeconds(5), SubscriptionBackoffMax = TimeSpan.FromSeconds(1) };
        using var h = Start(settings, subscribed: false);

        while (h.Loop.ExitCode is null)
        {
            h.Handle(new SubscriptionClosed(h.Agent.Connection, "connection refused"));
            h.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(1, h.Loop.ExitCode);
        Assert.InRange(h.Agent.Subscribes.Count, 6, 7);
    }

    [Fact]
    public void EventsOfAStaleConnection_AreIgnored()
    {
        using var h = Start();
        var old = h.Agent.Connection;
        h.Handle(new SubscriptionClosed(old, "agent restarting"));
        h.Advance(TimeSpan.FromMilliseconds(100));

        h.Handle(new AgentEventReceived(old, ExecutorEvents.Launch(CommandTask("t1"))));
        h.Handle(new SubscriptionClosed(old, "late news"));

        Assert.Empty(h.Processes.Started);
        Assert.IsType<AgentLink.Subscribing>(h.Loop.Link);
    }

    [Fact]
    public void UpdateUuids_AreFreshAndWellFormed()
    {
        using var h = Start();
        h.Launch(CommandTask("t1"));
        h.Exits("t1", code: 0);

        Assert.Equal(3, h.Sent.Select(s => StatusFactory.UuidOf(s)).Distinct().Count());
        Assert.All(h.Sent, s =>
        {
            Assert.Equal(TaskStatus.Types.Source.Executor, s.Source);
            Assert.Equal(AgentId, s.AgentId.Value);
            Assert.Equal("executor-1", s.ExecutorId.Value);
        });
    }
}
