using System.Threading.Channels;
using Drover.Executor.Configuration;
using Drover.Executor.Core;
using Drover.Logging;
using Drover.Mesos.Http;
using Drover.Mesos.RecordIO;
using Google.Protobuf;
using Drover.Mesos.V1.Executor;

namespace Drover.Executor.Agent;

/// <summary>
/// The executor's side of the agent's /api/v1/executor endpoint: SUBSCRIBE on a long-lived
/// connection whose chunked RecordIO stream of events is decoded as it arrives, and UPDATE/MESSAGE
/// calls on a second, kept-alive connection (Mesos' executor HTTP API). Both are plain HTTP/1.1
/// through <see cref="Http1Connection"/>: HttpClient's stack (pools, proxies, HTTP/2 and /3,
/// compression, their timers) is far more than two connections to the agent need, and its code
/// pages stayed resident for the executor's whole life. It owns no executor state: what it
/// learns is posted to the executor loop, tagged with the connection it came from.
/// </summary>
public sealed class AgentClient : IAgentConnection
{
    /// <summary>Largest event accepted from the agent; a LAUNCH carries a TaskInfo with its data, never megabytes.</summary>
    public const int MaxEventSize = 16 * 1024 * 1024;

    /// <summary>How long a single UPDATE or MESSAGE call may take before it counts as failed (it is retried).</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>How long connecting to the agent may take.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long the agent may take to answer SUBSCRIBE (its head; the stream then lasts as long as it lasts).</summary>
    public static readonly TimeSpan SubscribeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Most of an error answer's body read for the message (Mesos' are one line).</summary>
    private const int MaxErrorBody = 4096;

    private readonly Func<CancellationToken, Task<Http1Connection>> _connect;
    private readonly Uri _uri;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _headers;
    private readonly Action<ExecutorEvent> _post;
    private readonly Channel<OutgoingCall> _outbox = Channel.CreateUnbounded<OutgoingCall>(new UnboundedChannelOptions { SingleReader = true });
    private readonly object _gate = new();
    private CancellationTokenSource? _subscription;
    private long _currentConnection;

    /// <summary>The kept-alive connection for calls; only the sender loop touches it.</summary>
    private Http1Connection? _calls;

    /// <param name="settings">Where the agent is, and the token to present.</param>
    /// <param name="post">Where what happens goes: the executor loop.</param>
    /// <param name="connect">Opens a connection to the agent; by default TCP to <see cref="ExecutorSettings.AgentApiUri"/>.</param>
    public AgentClient(ExecutorSettings settings, Action<ExecutorEvent> post, Func<CancellationToken, Task<Http1Connection>>? connect = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _uri = settings.AgentApiUri;
        _post = post;
        var uri = _uri;
        _connect = connect ?? (cancellation => Http1Connection.ConnectAsync(uri.IdnHost, uri.Port, ConnectTimeout, cancellation));
        List<KeyValuePair<string, string>> headers = [new("Content-Type", "application/x-protobuf"), new("Accept", "application/x-protobuf")];
        if (settings.AuthenticationToken is { } token)
        {
            headers.Add(new("Authorization", $"Bearer {token}"));
        }

        _headers = headers;
        // Each call's faults are caught and reported as its CallCompleted; a fault of the sender itself would be
        // a bug, and must not pass unseen while updates silently stop going out.
        SendLoopAsync().ContinueWith(
            static t => Log.Error($"the sender of calls to the agent failed: {t.Exception?.GetBaseException()}"),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public void Subscribe(Call subscribe, long connection)
    {
        CancellationToken token;
        lock (_gate)
        {
            _subscription?.Cancel();
            _subscription?.Dispose();
            _subscription = new CancellationTokenSource();
            token = _subscription.Token;
            CurrentConnection = connection;
        }

        _ = RunSubscriptionAsync(subscribe, connection, token);
    }

    public void Disconnect()
    {
        lock (_gate)
        {
            CurrentConnection = 0;
            _subscription?.Cancel();
        }
    }

    public void Send(Call call, long connection, Guid? update) => Enqueue(call, connection, update);

    /// <summary>
    /// Runs one subscription to its end. Always finishes by posting exactly one
    /// <see cref="SubscriptionClosed"/> for <paramref name="connectionId"/>, whatever happened.
    /// </summary>
    private async Task RunSubscriptionAsync(Call subscribe, long connectionId, CancellationToken cancellation)
    {
        var reason = "the agent closed the subscription";
        var opened = false;
        try
        {
            using var connection = await _connect(cancellation).ConfigureAwait(false);
            Http1Response response;
            using (var answer = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
            {
                answer.CancelAfter(SubscribeTimeout);
                try
                {
                    response = await connection.SendAsync(NewRequest(subscribe), answer.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    reason = $"no answer to SUBSCRIBE within {SubscribeTimeout.TotalSeconds:0} s";
                    return;
                }
            }

            using (response)
            {
                if (response.StatusCode != 200)
                {
                    reason = $"SUBSCRIBE answered {response.StatusCode} {response.ReasonPhrase}: {await BodyOf(response, cancellation).ConfigureAwait(false)}";
                    return;
                }

                opened = true;
                _post(new SubscriptionOpened(connectionId));
                var reader = new RecordIOStreamReader(response.Body, MaxEventSize, leaveOpen: true);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(AgentEvents.Decode, cancellation).ConfigureAwait(false) is { } e)
                    {
                        _post(new AgentEventReceived(connectionId, e));
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            reason = "the executor closed the subscription";
        }
        catch (RecordIOException e)
        {
            reason = $"broken event stream from the agent: {e.Message}";
        }
        catch (AgentProtocolException e)
        {
            reason = $"undecodable event from the agent: {e.Message}";
        }
        catch (Http1Exception e)
        {
            reason = $"broken HTTP from the agent: {e.Message}";
        }
        catch (IOException e)
        {
            reason = opened ? $"subscription connection lost: {e.Message}" : $"agent unreachable: {e.Message}";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not a transport failure we know: still the end of this subscription, and said so.
            reason = $"subscription failed: {e.GetType().Name}: {e.Message}";
        }
        finally
        {
            _post(new SubscriptionClosed(connectionId, reason));
        }
    }

    /// <summary>
    /// The connection whose calls are still worth sending. Set by the executor loop when it
    /// (re)subscribes; calls queued for an older connection are dropped, because the
    /// SUBSCRIBE of the newer one carries every unacknowledged update.
    /// </summary>
    private long CurrentConnection
    {
        get => Volatile.Read(ref _currentConnection);
        set => Volatile.Write(ref _currentConnection, value);
    }

    /// <summary>
    /// Queues an UPDATE or MESSAGE. One sender sends them one at a time, in order, so the
    /// agent sees a task's updates in the order they were made (Mesos' executor library
    /// pipelines them on one connection for the same reason). A 5xx or transport failure is
    /// retried each second while the connection is current; other answers are final and
    /// posted as <see cref="CallCompleted"/>.
    /// </summary>
    private void Enqueue(Call call, long connectionId, Guid? updateUuid) =>
        _outbox.Writer.TryWrite(new OutgoingCall(call, connectionId, updateUuid));

    private async Task SendLoopAsync()
    {
        await foreach (var outgoing in _outbox.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            while (outgoing.ConnectionId == CurrentConnection)
            {
                var (status, error) = await SendOnceAsync(outgoing.Call).ConfigureAwait(false);
                var retry = status is null or >= 500;
                if (!retry || outgoing.ConnectionId != CurrentConnection)
                {
                    _post(new CallCompleted(outgoing.ConnectionId, outgoing.Call.Type, outgoing.UpdateUuid, status, error));
                    break;
                }

                _post(new CallCompleted(outgoing.ConnectionId, outgoing.Call.Type, outgoing.UpdateUuid, status, error + " (retrying)"));
                await Task.Delay(RetryInterval).ConfigureAwait(false);
            }
        }

        // Disposed: nothing more will be sent.
        CloseCalls();
    }

    private async Task<(int? Status, string? Error)> SendOnceAsync(Call call)
    {
        using var timeout = new CancellationTokenSource(CallTimeout);
        try
        {
            var request = NewRequest(call);
            var (status, body) = await ExchangeAsync(request, timeout.Token).ConfigureAwait(false);
            return status == 202 ? (status, null) : (status, body);
        }
        catch (OperationCanceledException)
        {
            CloseCalls();
            return (null, $"no answer within {CallTimeout.TotalSeconds:0}s");
        }
        catch (Http1Exception e)
        {
            CloseCalls();
            return (null, $"broken HTTP from the agent: {e.Message}");
        }
        catch (IOException e)
        {
            CloseCalls();
            return (null, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A fault of this one call must not end the sender (later calls would never go), nor go unseen.
            CloseCalls();
            return (null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// One call on the kept-alive connection. A connection the agent closed while it sat idle fails on its next
    /// request before any answer; that request is sent once more on a fresh connection, as HTTP clients do.
    /// </summary>
    private async Task<(int Status, string Body)> ExchangeAsync(Http1Request request, CancellationToken cancellation)
    {
        var reused = _calls is { IsReusable: true };
        if (!reused)
        {
            CloseCalls();
            _calls = await _connect(cancellation).ConfigureAwait(false);
        }

        Http1Response response;
        try
        {
            response = await _calls!.SendAsync(request, cancellation).ConfigureAwait(false);
        }
        catch (IOException) when (reused && !cancellation.IsCancellationRequested)
        {
            CloseCalls();
            _calls = await _connect(cancellation).ConfigureAwait(false);
            response = await _calls.SendAsync(request, cancellation).ConfigureAwait(false);
        }

        using (response)
        {
            var body = await BodyOf(response, cancellation).ConfigureAwait(false);
            if (!_calls.IsReusable)
            {
                CloseCalls();
            }

            return (response.StatusCode, body);
        }
    }

    private void CloseCalls()
    {
        _calls?.Dispose();
        _calls = null;
    }

    private sealed record OutgoingCall(Call Call, long ConnectionId, Guid? UpdateUuid);

    private Http1Request NewRequest(Call call) => new()
    {
        Method = "POST",
        Target = _uri.PathAndQuery,
        Host = _uri.Authority,
        Headers = _headers,
        Body = call.ToByteArray(),
    };

    /// <summary>An answer's body for a message: Mesos' error answers are one line of text.</summary>
    private static async Task<string> BodyOf(Http1Response response, CancellationToken cancellation)
    {
        var body = await response.ReadTextAsync(MaxErrorBody, cancellation).ConfigureAwait(false);
        return body.Length > 512 ? body[..512] + "…" : body;
    }

    public void Dispose()
    {
        Disconnect();
        _outbox.Writer.TryComplete();
    }
}
