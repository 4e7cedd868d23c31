using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;

namespace Drover.ZooKeeper.Requests;

/// <summary>Which watch a successful (or NoNode) reply leaves registered, per ZooKeeper's rules.</summary>
internal enum WatchKind
{
    Data,
    Exist,
    Child,
}

/// <summary>A watch to register when the reply comes back.</summary>
internal sealed record WatchRegistration(string ClientPath, Action<WatchedEvent> Watcher);

/// <summary>
/// A request on its way through a connection: written by a caller or the connection's thread (whoever
/// sends assigns the xid), answered on the connection's thread (which parses the reply in wire order),
/// and handed to the caller there too, once every watch event read before it has been delivered.
/// </summary>
internal abstract class Request
{
    protected Request(OpCode opCode, string? clientPath)
    {
        OpCode = opCode;
        ClientPath = clientPath;
    }

    public OpCode OpCode { get; }

    /// <summary>The path as the caller gave it, for errors and watch registration.</summary>
    public string? ClientPath { get; }

    /// <summary>Assigned by the writer just before the request is written.</summary>
    public int Xid { get; set; }

    /// <summary>When the request was written (Stopwatch timestamp), for the request timeout.</summary>
    public long SentAt { get; set; }

    public WatchRegistration? Watch { get; init; }

    /// <summary>True once the caller has its answer (or gave up): an unsent request is then skipped.</summary>
    public abstract bool IsCompleted { get; }

    public abstract int BodySize { get; }

    /// <summary>RequestHeader + body; the frame's length prefix comes on top.</summary>
    public int PacketSize => RequestHeader.Size + BodySize;

    public abstract void WriteBody(ref JuteWriter writer);

    /// <summary>
    /// Runs on the connection's thread: interprets the reply and keeps the outcome for <see cref="Publish"/>.
    /// Throws <see cref="ZooKeeperProtocolException"/> for a malformed body (the connection is then lost).
    /// </summary>
    public abstract void Receive(int err, ref JuteReader body);

    /// <summary>Which watch the reply with this error code leaves registered; null for none.</summary>
    public virtual WatchKind? WatchKindFor(int err) => null;

    /// <summary>
    /// Hands the outcome kept by <see cref="Receive"/> to the caller here and now: the caller's
    /// continuation runs on this thread before this returns. Only the connection's thread calls it.
    /// </summary>
    public abstract void Publish();

    /// <summary>As <see cref="Publish"/>, from a thread-pool thread: no caller code runs on the calling thread.</summary>
    public abstract void PublishLater();

    /// <summary>Fails the request from a thread-pool thread: no caller code runs on the calling thread.</summary>
    public abstract void Fail(Exception error);

    /// <summary>Writes the whole frame (length prefix, header, body) into <paramref name="destination"/>.</summary>
    public int WriteFrame(Span<byte> destination)
    {
        var frameLength = FrameResult.PrefixLength + PacketSize;
        var writer = new JuteWriter(destination[..frameLength]);
        writer.WriteInt(PacketSize);
        new RequestHeader(Xid, OpCode).Write(ref writer);
        WriteBody(ref writer);
        if (writer.Position != frameLength)
        {
            // A Size function disagrees with its Write: a bug here, never the peer's fault.
            throw new InvalidOperationException($"{GetType().Name} wrote {writer.Position} bytes but declared {frameLength}.");
        }
        return frameLength;
    }
}

/// <summary>A request whose caller awaits a result of type <typeparamref name="T"/>.</summary>
internal abstract class Request<T> : Request
{
    // Continuations run where the task is completed: inline on the connection's thread for replies
    // (Publish), on the thread pool for everything else (PublishLater, Fail, cancellation).
    private readonly TaskCompletionSource<T> _completion = new();
    private T? _result;
    private Exception? _error;
    private CancellationTokenRegistration _cancellation;

    protected Request(OpCode opCode, string? clientPath)
        : base(opCode, clientPath)
    {
    }

    public Task<T> Task => _completion.Task;

    public override bool IsCompleted => _completion.Task.IsCompleted;

    /// <summary>
    /// Lets the caller stop waiting. A request already sent stays in the pending queue: its reply
    /// is still read (keeping the wire in sync) and dropped.
    /// </summary>
    public void CancelWith(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            // Not completed inside the token's callback: that would run the caller's continuation in Cancel().
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => ThreadPool.UnsafeQueueUserWorkItem(
                    static s => s.Completion.TrySetCanceled(s.Token), (Completion: (TaskCompletionSource<T>)state!, Token: token), preferLocal: false),
                _completion);
        }
    }

    public override void Receive(int err, ref JuteReader body)
    {
        if (err == 0)
        {
            _result = ReadResult(ref body);
            return;
        }
        var code = (KeeperErrorCode)err;
        if (TryResultFor(code, out var result))
        {
            _result = result;
            return;
        }
        _error = KeeperException.Create(code, ClientPath);
    }

    public override void Publish()
    {
        _cancellation.Dispose();
        if (_error is not null)
        {
            _completion.TrySetException(_error);
        }
        else
        {
            _completion.TrySetResult(_result!);
        }
    }

    public override void PublishLater() =>
        ThreadPool.UnsafeQueueUserWorkItem(static request => request.Publish(), this, preferLocal: false);

    public override void Fail(Exception error) =>
        ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            state.Request._cancellation.Dispose();
            state.Request._completion.TrySetException(state.Error);
        }, (Request: this, Error: error), preferLocal: false);

    protected abstract T ReadResult(ref JuteReader body);

    /// <summary>Lets a request turn an error code into a result (exists: NoNode means null).</summary>
    protected virtual bool TryResultFor(KeeperErrorCode code, out T result)
    {
        result = default!;
        return false;
    }

    protected void SetError(Exception error) => _error = error;
}

/// <summary>The result of requests that return nothing.</summary>
internal readonly record struct Done;
