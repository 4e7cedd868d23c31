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
/// A request on its way through a connection: written by the connection's writer (which assigns the
/// xid), answered on its reader (which parses the reply in wire order), and completed on the client's
/// dispatcher (so callers see replies in order, after the watch events that preceded them).
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
    /// Runs on the reader: interprets the reply and keeps the outcome for <see cref="Publish"/>.
    /// Throws <see cref="ZooKeeperProtocolException"/> for a malformed body (the connection is then lost).
    /// </summary>
    public abstract void Receive(int err, ref JuteReader body);

    /// <summary>Which watch the reply with this error code leaves registered; null for none.</summary>
    public virtual WatchKind? WatchKindFor(int err) => null;

    /// <summary>
    /// Hands the outcome kept by <see cref="Receive"/> to the caller: on the dispatcher, or on the reader
    /// when the dispatcher is idle (<see cref="Dispatcher.Publish(Request)"/>). It never runs the caller's code: the
    /// caller's continuation is queued (RunContinuationsAsynchronously), so the reader is never held up by it.
    /// </summary>
    public abstract void Publish();

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
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
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
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => ((TaskCompletionSource<T>)state!).TrySetCanceled(token),
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

    public override void Fail(Exception error)
    {
        _cancellation.Dispose();
        _completion.TrySetException(error);
    }

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
