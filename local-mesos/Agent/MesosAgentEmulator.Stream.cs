using System.Threading.Channels;
using Drover.Mesos.RecordIO;
using Google.Protobuf;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.LocalMesos.Agent;

public sealed partial class MesosAgentEmulator
{
    /// <summary>Events queued on one stream beyond this abort it: a reader that stopped reading is a broken executor.</summary>
    private const int MaxQueuedEvents = 10_000;

    private readonly HashSet<Subscription> _open = [];
    private Subscription? _current;
    private int _subscriptionCount;
    private bool _subscribedOnce;
    private volatile bool _autoAcknowledge;
    private TimeSpan _acknowledgeDelay;

    /// <summary>
    /// Raised once per new update (by UUID), under the emulator's lock: a handler must only hand it on (the local
    /// Mesos posts it to its master's loop).
    /// </summary>
    public event Action<ReceivedUpdate>? UpdateAccepted;

    /// <summary>Raised for each accepted MESSAGE call's data, under the emulator's lock (hand it on, do not block).</summary>
    public event Action<ByteString>? MessageReceived;

    /// <summary>Whether accepted updates are answered with ACKNOWLEDGED (the scheduler acknowledging at once).</summary>
    public bool AutoAcknowledge
    {
        get => _autoAcknowledge;
        set => _autoAcknowledge = value;
    }

    public void SetAutoAcknowledge(bool enabled) => AutoAcknowledge = enabled;

    /// <summary>Delay before each automatic ACKNOWLEDGED.</summary>
    public TimeSpan AcknowledgeDelay
    {
        get
        {
            lock (_gate)
            {
                return _acknowledgeDelay;
            }
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_gate)
            {
                _acknowledgeDelay = value;
            }
        }
    }

    /// <summary>Whether a subscription stream is open now.</summary>
    public bool IsSubscribed
    {
        get
        {
            lock (_gate)
            {
                return _current is not null;
            }
        }
    }

    /// <summary>Accepted SUBSCRIBE calls so far (1 = the first subscription).</summary>
    public int SubscriptionCount
    {
        get
        {
            lock (_gate)
            {
                return _subscriptionCount;
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="event"/> on the current subscription stream, waiting up to
    /// <paramref name="timeout"/> for one to exist (like the agent queueing a task for an executor
    /// that is still registering). Returns once the bytes are flushed to the socket.
    /// </summary>
    public Task SendAsync(Event @event, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return SendBytesAsync(@event, RecordIOWriter.Frame(@event.ToByteArray()), closeAfter: false, acknowledges: null, timeout);
    }

    /// <summary>Arbitrary bytes on the stream, unframed: garbage, a truncated record, an undecodable event.</summary>
    public Task SendRawAsync(byte[] bytes, TimeSpan? timeout = null) =>
        SendBytesAsync(null, bytes.ToArray(), closeAfter: false, acknowledges: null, timeout);

    /// <summary>Arbitrary bytes, then the stream ends cleanly (e.g. a record cut short by the end of the response).</summary>
    public Task SendRawAndCloseAsync(byte[] bytes, TimeSpan? timeout = null) =>
        SendBytesAsync(null, bytes.ToArray(), closeAfter: true, acknowledges: null, timeout);

    public Task LaunchAsync(TaskInfo task, TimeSpan? timeout = null) => SendAsync(ExecutorEvents.Launch(task), timeout);

    public Task LaunchGroupAsync(params TaskInfo[] tasks) => SendAsync(ExecutorEvents.LaunchGroup(tasks));

    public Task KillAsync(string taskId, TimeSpan? gracePeriod = null) => SendAsync(ExecutorEvents.Kill(taskId, gracePeriod));

    public Task ShutdownAsync() => SendAsync(ExecutorEvents.Shutdown());

    public Task SendErrorAsync(string message) => SendAsync(ExecutorEvents.Error(message));

    public Task SendMessageAsync(ByteString data) => SendAsync(ExecutorEvents.Message(data));

    /// <summary>Sends ACKNOWLEDGED for <paramref name="status"/> (task id and uuid), as when the scheduler acknowledges it.</summary>
    public Task AcknowledgeAsync(TaskStatus status, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(status);
        ReceivedUpdate? update;
        lock (_gate)
        {
            _updatesByUuid.TryGetValue(status.Uuid, out update);
        }

        var ack = ExecutorEvents.Acknowledged(status.TaskId, status.Uuid);
        return SendBytesAsync(ack, RecordIOWriter.Frame(ack.ToByteArray()), closeAfter: false, update, timeout);
    }

    public Task AcknowledgeAsync(ReceivedUpdate update, TimeSpan? timeout = null) => AcknowledgeAsync(update.Status, timeout);

    /// <summary>Acknowledges, in order, every accepted update not acknowledged yet.</summary>
    public async Task AcknowledgeAllAsync(TimeSpan? timeout = null)
    {
        ReceivedUpdate[] pending;
        lock (_gate)
        {
            pending = _updates.Where(u => !u.Acknowledged).ToArray();
        }

        foreach (var update in pending)
        {
            await AcknowledgeAsync(update.Status, timeout).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends the current subscription: aborted (the connection is reset, the executor's read fails)
    /// or, with <paramref name="graceful"/>, the chunked response is completed (a clean end of stream).
    /// Returns at once if there is none.
    /// </summary>
    public Task DropSubscriptionAsync(bool graceful = false)
    {
        Subscription? subscription;
        lock (_gate)
        {
            subscription = _current;
            _current = null;
            if (subscription is not null)
            {
                Note($"subscription #{subscription.Number} dropped ({(graceful ? "stream ended" : "connection aborted")})");
                Changed();
            }
        }

        if (subscription is not null)
        {
            if (graceful)
            {
                subscription.Outgoing.Writer.TryComplete();
            }
            else
            {
                subscription.Abort();
            }
        }

        return subscription?.Finished ?? Task.CompletedTask;
    }

    /// <summary>
    /// An accepted SUBSCRIBE: it replaces the current stream (which the agent closes), SUBSCRIBED is
    /// queued first, then the replayed updates are taken and acknowledged. Caller holds the lock.
    /// </summary>
    private Subscription OpenSubscriptionUnsynchronized(HttpContext context, Call call)
    {
        var subscription = new Subscription(++_subscriptionCount, context);
        var replaced = _current;
        _current = subscription;
        _open.Add(subscription);
        _subscribedOnce = true;
        _subscribes.Add(call);
        Note($"subscription #{subscription.Number} opened ({call.Subscribe.UnacknowledgedTasks.Count} unacknowledged tasks, {call.Subscribe.UnacknowledgedUpdates.Count} unacknowledged updates)");

        var subscribed = SubscribedEvent();
        EnqueueUnsynchronized(subscription, subscribed, RecordIOWriter.Frame(subscribed.ToByteArray()), closeAfter: false, acknowledges: null);
        foreach (var update in call.Subscribe.UnacknowledgedUpdates)
        {
            AcceptUpdateUnsynchronized(update.Status, viaSubscribe: true);
        }

        if (replaced is not null)
        {
            Note($"subscription #{replaced.Number} closed: replaced by #{subscription.Number}");
            replaced.Outgoing.Writer.TryComplete();
        }

        if (_options.HeartbeatInterval is { } interval)
        {
            _ = HeartbeatAsync(subscription, interval);
        }

        Changed();
        return subscription;
    }

    /// <summary>Writes a subscription's queue to its response until it is completed, replaced or aborted.</summary>
    private async Task StreamAsync(Subscription subscription)
    {
        var context = subscription.Context;
        var aborted = context.RequestAborted;
        try
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = Protobuf;
            await context.Response.StartAsync(aborted).ConfigureAwait(false);
            await foreach (var outgoing in subscription.Outgoing.Reader.ReadAllAsync(aborted).ConfigureAwait(false))
            {
                await context.Response.Body.WriteAsync(outgoing.Sent.Bytes, aborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(aborted).ConfigureAwait(false);
                lock (_gate)
                {
                    _sent.Add(outgoing.Sent);
                    if (outgoing.Acknowledges is { } update)
                    {
                        update.Acknowledged = true;
                    }

                    Changed();
                }

                outgoing.Written.TrySetResult();
                if (outgoing.CloseAfter)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException or InvalidOperationException)
        {
            // The executor went away, or the stream was aborted on purpose.
        }
        finally
        {
            CloseSubscription(subscription);
        }
    }

    private void CloseSubscription(Subscription subscription)
    {
        lock (_gate)
        {
            _open.Remove(subscription);
            if (_current == subscription)
            {
                _current = null;
                Note($"subscription #{subscription.Number} ended by the executor or the connection");
            }

            Changed();
        }

        subscription.Outgoing.Writer.TryComplete();
        while (subscription.Outgoing.Reader.TryRead(out var unsent))
        {
            unsent.Written.TrySetException(new IOException($"subscription #{subscription.Number} ended before this was written"));
        }

        subscription.End();
    }

    private async Task SendBytesAsync(Event? @event, byte[] bytes, bool closeAfter, ReceivedUpdate? acknowledges, TimeSpan? timeout)
    {
        var limit = timeout ?? _options.WaitTimeout;
        var what = @event is null ? $"{bytes.Length} raw bytes" : $"a {@event.Type} event";
        var deadline = limit == System.Threading.Timeout.InfiniteTimeSpan ? DateTime.MaxValue : DateTime.UtcNow + limit;
        Task written;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_current is { } subscription)
                {
                    written = EnqueueUnsynchronized(subscription, @event, bytes, closeAfter, acknowledges);
                    break;
                }

                changed = _changed.Task;
            }

            await WaitForChangeAsync(changed, deadline, limit, $"a subscription to send {what} on").ConfigureAwait(false);
        }

        try
        {
            await written.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw TimedOut($"{what} to be written to the executor's stream", limit);
        }
    }

    /// <summary>Queues bytes on a stream; a full queue aborts the stream. Caller holds the lock.</summary>
    private Task EnqueueUnsynchronized(Subscription subscription, Event? @event, byte[] bytes, bool closeAfter, ReceivedUpdate? acknowledges)
    {
        var outgoing = new Outgoing(new SentEvent(subscription.Number, @event, bytes, DateTimeOffset.UtcNow), closeAfter, acknowledges);
        if (!subscription.Outgoing.Writer.TryWrite(outgoing))
        {
            Note($"subscription #{subscription.Number} aborted: more than {MaxQueuedEvents} events unread, or already closed");
            subscription.Abort();
            outgoing.Written.TrySetException(new IOException($"subscription #{subscription.Number} is closed or its queue is full"));
        }

        return outgoing.Written.Task;
    }

    /// <summary>Records an accepted update once per UUID and acknowledges it if asked to. Caller holds the lock.</summary>
    private void AcceptUpdateUnsynchronized(TaskStatus status, bool viaSubscribe)
    {
        if (!_updatesByUuid.TryGetValue(status.Uuid, out var update))
        {
            update = new ReceivedUpdate(status.Clone(), viaSubscribe, DateTimeOffset.UtcNow);
            _updatesByUuid.Add(status.Uuid, update);
            _updates.Add(update);
            Note($"update {update}{(viaSubscribe ? " (replayed in SUBSCRIBE)" : "")} uuid {Describe(status.Uuid)}");
            UpdateAccepted?.Invoke(update);
        }

        // The agent acknowledges duplicates too: the executor may have missed the first ACKNOWLEDGED.
        if (_autoAcknowledge)
        {
            ScheduleAcknowledgeUnsynchronized(update);
        }

        Changed();
    }

    private void ScheduleAcknowledgeUnsynchronized(ReceivedUpdate update)
    {
        if (_acknowledgeDelay == TimeSpan.Zero)
        {
            AcknowledgeNowUnsynchronized(update);
            return;
        }

        var delay = _acknowledgeDelay;
        _ = Task.Delay(delay).ContinueWith(
            _ =>
            {
                lock (_gate)
                {
                    AcknowledgeNowUnsynchronized(update);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
    }

    private void AcknowledgeNowUnsynchronized(ReceivedUpdate update)
    {
        if (_current is not { } subscription)
        {
            Note($"ACKNOWLEDGED for {update} dropped: no subscription");
            return;
        }

        var ack = ExecutorEvents.Acknowledged(update.Status.TaskId, update.Uuid);
        _ = EnqueueUnsynchronized(subscription, ack, RecordIOWriter.Frame(ack.ToByteArray()), closeAfter: false, update);
    }

    private async Task HeartbeatAsync(Subscription subscription, TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(subscription.Ending).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    if (_current != subscription)
                    {
                        return;
                    }

                    var heartbeat = ExecutorEvents.Heartbeat();
                    _ = EnqueueUnsynchronized(subscription, heartbeat, RecordIOWriter.Frame(heartbeat.ToByteArray()), closeAfter: false, acknowledges: null);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Aborts every open stream (the agent process died). Caller holds the lock.</summary>
    private void AbortAllSubscriptionsUnsynchronized(string reason)
    {
        if (_current is not null)
        {
            Note($"subscription #{_current.Number} aborted: {reason}");
            _current = null;
        }

        // A copy: aborting may end a stream (and remove it from the set) before the loop moves on.
        foreach (var subscription in _open.ToArray())
        {
            subscription.Abort();
        }

        Changed();
    }

    private sealed record Outgoing(SentEvent Sent, bool CloseAfter, ReceivedUpdate? Acknowledges)
    {
        public TaskCompletionSource Written { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One SUBSCRIBE response: its queue of outgoing bytes, written by <see cref="StreamAsync"/> alone.</summary>
    private sealed class Subscription(int number, HttpContext context)
    {
        private readonly CancellationTokenSource _ending = new();
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Number { get; } = number;

        public HttpContext Context { get; } = context;

        public Channel<Outgoing> Outgoing { get; } = Channel.CreateBounded<Outgoing>(
            new BoundedChannelOptions(MaxQueuedEvents) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        public CancellationToken Ending => _ending.Token;

        public Task Finished => _finished.Task;

        public void Abort()
        {
            Context.Abort();
            Outgoing.Writer.TryComplete();
        }

        public void End()
        {
            _ending.Cancel();
            _finished.TrySetResult();
        }
    }
}
