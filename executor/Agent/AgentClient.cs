using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Drover.Executor.Configuration;
using Drover.Executor.Core;
using Drover.Logging;
using Drover.Mesos.RecordIO;
using Google.Protobuf;
using Drover.Mesos.V1.Executor;

namespace Drover.Executor.Agent;

/// <summary>
/// The executor's side of the agent's /api/v1/executor endpoint: SUBSCRIBE on a long-lived
/// connection whose RecordIO stream of events is decoded as it arrives, and UPDATE/MESSAGE
/// calls on other connections (Mesos' executor HTTP API). It owns no executor state: what it
/// learns is posted to the executor loop, tagged with the connection it came from.
/// </summary>
public sealed class AgentClient : IAgentConnection
{
    /// <summary>Largest event accepted from the agent; a LAUNCH carries a TaskInfo with its data, never megabytes.</summary>
    public const int MaxEventSize = 16 * 1024 * 1024;

    /// <summary>How long a single UPDATE or MESSAGE call may take before it counts as failed (it is retried).</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private static readonly MediaTypeHeaderValue Protobuf = new("application/x-protobuf");

    private readonly HttpClient _http;
    private readonly Uri _uri;
    private readonly string? _token;
    private readonly Action<ExecutorEvent> _post;
    private readonly Channel<OutgoingCall> _outbox = Channel.CreateUnbounded<OutgoingCall>(new UnboundedChannelOptions { SingleReader = true });
    private readonly object _gate = new();
    private CancellationTokenSource? _subscription;
    private long _currentConnection;

    public AgentClient(ExecutorSettings settings, Action<ExecutorEvent> post, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _uri = settings.AgentApiUri;
        _token = settings.AuthenticationToken;
        _post = post;
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            // The subscription holds one connection for its whole life; calls need their own.
            MaxConnectionsPerServer = 4,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
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
        try
        {
            using var request = NewRequest(subscribe);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                reason = $"SUBSCRIBE answered {(int)response.StatusCode} {response.ReasonPhrase}: {await BodyOf(response, cancellation).ConfigureAwait(false)}";
                return;
            }

            _post(new SubscriptionOpened(connectionId));
            var stream = await response.Content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
            var reader = new RecordIOStreamReader(stream, MaxEventSize);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(AgentEvents.Decode, cancellation).ConfigureAwait(false) is { } e)
                {
                    _post(new AgentEventReceived(connectionId, e));
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
        catch (HttpRequestException e)
        {
            reason = $"agent unreachable: {e.Message}";
        }
        catch (IOException e)
        {
            reason = $"subscription connection lost: {e.Message}";
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
    }

    private async Task<(int? Status, string? Error)> SendOnceAsync(Call call)
    {
        try
        {
            using var timeout = new CancellationTokenSource(CallTimeout);
            using var request = NewRequest(call);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.Accepted
                ? ((int)response.StatusCode, null)
                : ((int)response.StatusCode, await BodyOf(response, CancellationToken.None).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            return (null, $"no answer within {CallTimeout.TotalSeconds:0}s");
        }
        catch (HttpRequestException e)
        {
            return (null, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A fault of this one call must not end the sender (later calls would never go), nor go unseen.
            return (null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private sealed record OutgoingCall(Call Call, long ConnectionId, Guid? UpdateUuid);

    private HttpRequestMessage NewRequest(Call call)
    {
        var content = new ByteArrayContent(call.ToByteArray());
        content.Headers.ContentType = Protobuf;
        var request = new HttpRequestMessage(HttpMethod.Post, _uri) { Content = content, Version = HttpVersion.Version11 };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-protobuf"));
        if (_token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        }

        return request;
    }

    private static async Task<string> BodyOf(HttpResponseMessage response, CancellationToken cancellation)
    {
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellation).ConfigureAwait(false);
            return body.Length > 512 ? body[..512] + "…" : body;
        }
        catch (HttpRequestException)
        {
            return "(no body)";
        }
    }

    public void Dispose()
    {
        Disconnect();
        _outbox.Writer.TryComplete();
        _http.Dispose();
    }
}
