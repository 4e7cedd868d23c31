using System.Globalization;
using System.Text;
using Google.Protobuf;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.LocalMesos.Agent;

public sealed partial class MesosAgentEmulator
{
    private readonly List<ReceivedCall> _calls = [];
    private readonly List<Call> _subscribes = [];
    private readonly List<ReceivedUpdate> _updates = [];
    private readonly Dictionary<ByteString, ReceivedUpdate> _updatesByUuid = [];
    private readonly List<SentEvent> _sent = [];
    private readonly List<ByteString> _messages = [];
    private readonly List<string> _log = [];
    /// <summary>How often waits re-check their condition when nothing in the emulator changed.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextCall;

    /// <summary>Every request to the endpoint, in arrival order, with the answer given.</summary>
    public IReadOnlyList<ReceivedCall> Calls => Snapshot(_calls);

    /// <summary>Accepted SUBSCRIBE calls in order (index 0 = the first subscription).</summary>
    public IReadOnlyList<Call> Subscribes => Snapshot(_subscribes);

    /// <summary>Accepted status updates in order of arrival, once per UUID.</summary>
    public IReadOnlyList<ReceivedUpdate> Updates => Snapshot(_updates);

    /// <summary>Data of accepted MESSAGE calls.</summary>
    public IReadOnlyList<ByteString> Messages => Snapshot(_messages);

    /// <summary>Everything written on subscription streams (SUBSCRIBED, heartbeats, acknowledgements, test events, raw bytes).</summary>
    public IReadOnlyList<SentEvent> SentEvents => Snapshot(_sent);

    /// <summary>What the emulator did, one line per step: included in every timeout message.</summary>
    public IReadOnlyList<string> Log => Snapshot(_log);

    /// <summary>The accepted updates of one task, in order.</summary>
    public IReadOnlyList<TaskStatus> UpdatesOf(string taskId)
    {
        lock (_gate)
        {
            return _updates.Where(u => u.TaskId == taskId).Select(u => u.Status).ToArray();
        }
    }

    /// <summary>The states one task reported, in order.</summary>
    public IReadOnlyList<TaskState> StatesOf(string taskId)
    {
        lock (_gate)
        {
            return _updates.Where(u => u.TaskId == taskId).Select(u => u.State).ToArray();
        }
    }

    /// <summary>The next request not yet returned by this method (whatever its answer).</summary>
    public Task<ReceivedCall> NextCallAsync(TimeSpan? timeout = null) =>
        WaitAsync(() => _nextCall < _calls.Count ? _calls[_nextCall++] : null, "the next call", timeout);

    /// <summary>The first request so far (or to come) matching <paramref name="predicate"/>.</summary>
    public Task<ReceivedCall> WaitForCallAsync(Func<ReceivedCall, bool> predicate, TimeSpan? timeout = null, string description = "a call matching the predicate") =>
        WaitAsync(() => _calls.FirstOrDefault(predicate), description, timeout);

    /// <summary>The <paramref name="count"/>-th accepted SUBSCRIBE (1 = the first), waiting for it if need be.</summary>
    public Task<Call> WaitForSubscribeAsync(int count = 1, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return WaitAsync(() => _subscribes.Count >= count ? _subscribes[count - 1] : null, $"accepted SUBSCRIBE #{count}", timeout);
    }

    /// <summary>The first accepted update so far (or to come) matching <paramref name="predicate"/>.</summary>
    public Task<ReceivedUpdate> WaitForUpdateAsync(Func<TaskStatus, bool> predicate, TimeSpan? timeout = null, string description = "an update matching the predicate") =>
        WaitAsync(() => _updates.FirstOrDefault(u => predicate(u.Status)), description, timeout);

    /// <summary>The first accepted update of <paramref name="taskId"/> in <paramref name="state"/>.</summary>
    public Task<ReceivedUpdate> WaitForUpdateAsync(string taskId, TaskState state, TimeSpan? timeout = null) =>
        WaitForUpdateAsync(s => s.TaskId.Value == taskId && s.State == state, timeout, $"an update {taskId} {state}");

    /// <summary>Waits until <paramref name="condition"/> holds; it is re-checked after every change the emulator sees.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string description, TimeSpan? timeout = null) =>
        await WaitAsync(() => condition() ? description : null, description, timeout).ConfigureAwait(false);

    /// <summary>A summary of the emulator's state and the launched executors, for assertion messages.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        lock (_gate)
        {
            text.Append(CultureInfo.InvariantCulture, $"agent {(_app is null ? "stopped" : "listening on " + Endpoint)}, ");
            text.Append(CultureInfo.InvariantCulture, $"{_subscriptionCount} subscription(s), {(_current is null ? "none open" : "#" + _current.Number + " open")}");
            text.Append("\ncalls: ").AppendJoin("; ", _calls.TakeLast(15));
            text.Append("\nupdates: ").AppendJoin("; ", _updates.TakeLast(15));
            text.Append("\nemulator log:\n  ").AppendJoin("\n  ", _log.TakeLast(30));
        }

        foreach (var executor in Executors)
        {
            text.Append('\n').Append(executor.Describe());
        }

        return text.ToString();
    }

    private async Task<T> WaitAsync<T>(Func<T?> probe, string description, TimeSpan? timeout)
        where T : class
    {
        var limit = timeout ?? _options.WaitTimeout;
        var deadline = limit == System.Threading.Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + limit;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (probe() is { } found)
                {
                    return found;
                }

                changed = _changed.Task;
            }

            await WaitForChangeAsync(changed, deadline, limit, description).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Returns when the emulator changed, or after a short poll interval (conditions may depend on
    /// things outside the emulator, such as files an executor writes); throws once past the deadline.
    /// </summary>
    private async Task WaitForChangeAsync(Task changed, DateTime deadline, TimeSpan limit, string description)
    {
        var remaining = deadline == DateTime.MaxValue ? PollInterval : deadline - DateTime.UtcNow;
        if (remaining <= TimeSpan.Zero)
        {
            throw TimedOut(description, limit);
        }

        await Task.WhenAny(changed, Task.Delay(remaining < PollInterval ? remaining : PollInterval)).ConfigureAwait(false);
    }

    private TimeoutException TimedOut(string description, TimeSpan limit) =>
        new($"Timed out after {limit.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s waiting for {description}.\n{Describe()}");

    /// <summary>Wakes every waiter to re-check. Caller holds the lock.</summary>
    private void Changed()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    /// <summary>Pulses waiters from outside the lock (e.g. an executor process exited).</summary>
    private void ChangedFromOutside()
    {
        lock (_gate)
        {
            Changed();
        }
    }

    private void Record(ReceivedCall call)
    {
        _calls.Add(call);
        if (!call.IsAccepted)
        {
            Note($"call rejected: {call}");
        }

        Changed();
    }

    private void Note(string line) =>
        _log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");

    private T[] Snapshot<T>(List<T> list)
    {
        lock (_gate)
        {
            return list.ToArray();
        }
    }
}
