using Drover.Mesos.V1;
using Call = Drover.Mesos.V1.Scheduler.Call;
using Event = Drover.Mesos.V1.Scheduler.Event;

namespace Drover.LocalMesos.Master;

internal sealed partial class MasterCore
{
    /// <summary>
    /// An accepted SUBSCRIBE (Master::subscribe for HTTP frameworks): always a stream; a framework the master refuses
    /// gets an ERROR event on it, then the stream ends. Runs on the loop.
    /// </summary>
    public SchedulerStream Subscribe(Call call)
    {
        var info = call.Subscribe.FrameworkInfo.Clone();
        var stream = new SchedulerStream(Guid.NewGuid().ToString(), info.Id?.Value ?? "");
        if (FrameworkValidation.Validate(info) is { } invalid)
        {
            Refuse(stream, invalid);
            return stream;
        }

        if (info.Id is { } requested && _removedFrameworks.Contains(requested.Value))
        {
            Refuse(stream, "Framework has been removed");
            return stream;
        }

        var id = info.Id?.Value ?? $"{MasterId}-{_nextFramework++:D4}";
        info.Id = new FrameworkID { Value = id };
        var framework = Framework(id);
        if (framework is null)
        {
            // A framework id this master never saw is taken as a re-registration: a master that lost its state takes the
            // scheduler's word (as observed), and its tasks, still on the agents, are its again.
            framework = new FrameworkRecord(id, info);
            _frameworks.Add(id, framework);
            Log($"framework {id} ({info.Name}) subscribed{(call.Subscribe.FrameworkInfo.Id is null ? "" : " with its id: re-registered")}");
        }
        else
        {
            if (framework.Stream is { } old)
            {
                old.Send(new Event { Type = Event.Types.Type.Error, Error = new Event.Types.Error { Message = "Framework failed over" } });
                old.Close();
                Log($"framework {id} failed over: its previous stream {old.StreamId} is closed");
            }

            RecoverOffersOf(framework, rescind: false);
            framework.Info = info;
            Log($"framework {id} ({info.Name}) resubscribed");
        }

        stream.FrameworkId = id;
        framework.Stream = stream;
        framework.Generation++;
        framework.Suppressed.Clear();
        framework.Suppressed.UnionWith(call.Subscribe.SuppressedRoles);
        stream.Send(new Event
        {
            Type = Event.Types.Type.Subscribed,
            Subscribed = new Event.Types.Subscribed
            {
                FrameworkId = info.Id.Clone(),
                HeartbeatIntervalSeconds = _options.HeartbeatInterval.TotalSeconds,
                MasterInfo = Leader?.Clone(),
            },
        });
        stream.Send(new Event { Type = Event.Types.Type.Heartbeat });

        // What the agents' status update managers still retry reaches the new connection.
        foreach (var update in framework.Unacknowledged)
        {
            stream.Send(UpdateEvent(update.Status));
        }

        DeliverWaiting(framework);

        AllocateSoon();
        return stream;
    }

    /// <summary>The stream of a framework ended (the scheduler went away, or the master dropped it). Runs on the loop.</summary>
    public void StreamEnded(SchedulerStream stream)
    {
        if (Framework(stream.FrameworkId) is not { } framework || framework.Stream != stream)
        {
            return;
        }

        framework.Stream = null;
        RecoverOffersOf(framework, rescind: false);
        var timeout = TimeSpan.FromSeconds(Math.Max(0, framework.Info.FailoverTimeout));
        Log($"framework {framework.Id} disconnected; failover timeout {timeout.TotalSeconds} s");
        if (timeout == TimeSpan.Zero)
        {
            RemoveFramework(framework, "its failover timeout is 0 and it disconnected");
            return;
        }

        var generation = framework.Generation;
        ITimer? timer = null;
        timer = _time.CreateTimer(
            _ => Loop.Post(() =>
            {
                timer?.Dispose();
                if (Framework(framework.Id) == framework && framework.Generation == generation && !framework.Connected)
                {
                    RemoveFramework(framework, $"it did not come back within its failover timeout ({timeout.TotalSeconds} s)");
                }
            }),
            null,
            timeout > TimeSpan.FromDays(365) ? TimeSpan.FromDays(365) : timeout,
            Timeout.InfiniteTimeSpan);
    }

    private static void Refuse(SchedulerStream stream, string message)
    {
        stream.Send(new Event { Type = Event.Types.Type.Error, Error = new Event.Types.Error { Message = message } });
        stream.Close();
    }

    /// <summary>TEARDOWN or failover timeout: its executors are shut down, its offers taken back, its id never accepted again.</summary>
    private void RemoveFramework(FrameworkRecord framework, string why)
    {
        Log($"removing framework {framework.Id}: {why}");
        RecoverOffersOf(framework, rescind: false);
        foreach (var agent in _agentOrder)
        {
            foreach (var executor in agent.Executors.Values.Where(e => e.FrameworkId == framework.Id).ToArray())
            {
                ShutdownExecutor(agent, executor);
            }
        }

        // Tasks that never reached an executor (none run without one) and updates waiting for acknowledgement go with it.
        foreach (var key in _tasks.Keys.Where(k => k.Framework == framework.Id && !_tasks[k].IsTerminal && !HasExecutor(_tasks[k])).ToArray())
        {
            FreeTask(_tasks[key]);
            _tasks.Remove(key);
        }

        framework.Unacknowledged.Clear();
        framework.Stream?.Close();
        framework.Stream = null;
        _frameworks.Remove(framework.Id);
        _removedFrameworks.Add(framework.Id);
    }

    private bool HasExecutor(TaskRecord task) =>
        _agents.TryGetValue(task.AgentId, out var agent) && agent.Executors.ContainsKey((task.FrameworkId, task.ExecutorId));

    private void Heartbeat()
    {
        foreach (var framework in _frameworks.Values)
        {
            Send(framework, new Event { Type = Event.Types.Type.Heartbeat });
        }
    }
}
