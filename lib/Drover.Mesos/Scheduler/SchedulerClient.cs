using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Scheduler;
using Google.Protobuf;

namespace Drover.Mesos.Scheduler;

/// <summary>
/// The v1 scheduler HTTP API, transport only (docs/scheduler-http-api.md): SUBSCRIBE is a POST whose
/// response is a RecordIO stream of protobuf events and carries the <c>Mesos-Stream-Id</c> header that every
/// later call must repeat; calls go on other connections and are answered 202. The client finds the leading
/// master (a list, or ZooKeeper), follows 307 redirects to it, backs off on 503 and connection loss, watches
/// heartbeats, refuses masters older than it needs, and keeps subscribing until it is disposed or refused.
/// It knows nothing of what the framework does with offers.
/// </summary>
/// <remarks>
/// One loop (started by <see cref="Start"/>) owns the subscription; it publishes the current stream for
/// <see cref="SendAsync"/> as an immutable <see cref="Session"/>. Everything the owner needs to know arrives in
/// order on <see cref="Events"/>, which is completed when the client stops.
/// </remarks>
public sealed partial class SchedulerClient : IAsyncDisposable
{
    public const string ApiPath = "/api/v1/scheduler";
    public const string StreamIdHeader = "Mesos-Stream-Id";
    public const string Protobuf = "application/x-protobuf";

    /// <summary>Error bodies read at most this long (a master's reasons are one line).</summary>
    private const int MaxErrorBody = 4096;

    private readonly SchedulerClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogSink? _log;
    private readonly HttpClient _http;
    private readonly IMasterDetector _detector;
    private readonly Channel<SchedulerClientEvent> _events;
    private readonly CancellationTokenSource _stopping = new();
    private volatile Session? _session;
    private Task _loop = Task.CompletedTask;
    private int _started;

    /// <param name="handler">The HTTP stack (tests pass an in-memory one); by default a SocketsHttpHandler speaking HTTP/1.1.</param>
    /// <param name="detector">How masters are found; by default from <see cref="SchedulerClientOptions.Masters"/>.</param>
    public SchedulerClient(SchedulerClientOptions options, TimeProvider time, ILogSink? log = null, HttpMessageHandler? handler = null, IMasterDetector? detector = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;
        _log = log;
        _http = new HttpClient(handler ?? DefaultHandler(options), disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        _detector = detector ?? (options.Masters.IsZooKeeper
            ? new ZooKeeperMasterDetector(options.Masters, options.ZooKeeperSessionTimeout, log)
            : new StaticMasterDetector(options.Masters.Endpoints));
        _events = Channel.CreateBounded<SchedulerClientEvent>(new BoundedChannelOptions(options.EventQueueCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Everything the owner must know, in order; completed when the client stops (disposed or refused).</summary>
    public ChannelReader<SchedulerClientEvent> Events => _events.Reader;

    /// <summary>The subscription calls go on now, or null.</summary>
    public Session? Current => _session;

    /// <summary>
    /// Subscribes, and keeps subscribing until disposed or refused. <paramref name="subscribeCall"/> is asked for
    /// a fresh SUBSCRIBE at every attempt (the framework id may have been learnt meanwhile).
    /// </summary>
    public void Start(Func<Call> subscribeCall)
    {
        ArgumentNullException.ThrowIfNull(subscribeCall);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("the scheduler client is already started");
        }

        _loop = Task.Run(() => RunAsync(subscribeCall, _stopping.Token));
    }

    /// <summary>
    /// Sends a call other than SUBSCRIBE on the current subscription: its framework id is set if missing and the
    /// stream id goes in the header. Never throws for what the master does: 202 (or 200) is Accepted, a 4xx is
    /// Rejected with the master's reason, anything that says the subscription is gone is NotConnected.
    /// </summary>
    public async ValueTask<CallOutcome> SendAsync(Call call, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (call.Type == Call.Types.Type.Subscribe)
        {
            throw new ArgumentException("SUBSCRIBE is the client's own call: use Start", nameof(call));
        }

        if (_session is not { } session)
        {
            return new NotConnected("not subscribed to a master");
        }

        if (call.FrameworkId is null)
        {
            call = call.Clone();
            call.FrameworkId = session.FrameworkId.Clone();
        }

        using var request = NewRequest(session.Endpoint, call);
        request.Headers.TryAddWithoutValidation(StreamIdHeader, session.StreamId);
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _stopping.Token);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is 200 or 202)
            {
                return CallOutcome.Accepted;
            }

            var body = await ReadErrorBodyAsync(response, linked.Token).ConfigureAwait(false);
            return status is 307 or 503
                ? new NotConnected($"{session.Endpoint} answered {status} {body} to {call.Type}: the leading master moved")
                : new Rejected(status, body);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return new NotConnected(_stopping.IsCancellationRequested
                ? "the client is stopping"
                : $"{call.Type} to {session.Endpoint} got no answer within {_options.ConnectTimeout}");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return new NotConnected($"{call.Type} to {session.Endpoint} failed: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _session = null;
        _events.Writer.TryComplete();
        await _detector.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
        _stopping.Dispose();
    }

    /// <summary>The stream that calls go on: where, its id, and the framework id SUBSCRIBED gave.</summary>
    public sealed record Session(MasterEndpoint Endpoint, string StreamId, FrameworkID FrameworkId, MasterInfo? Master);

    private static SocketsHttpHandler DefaultHandler(SchedulerClientOptions options) => new()
    {
        ConnectTimeout = options.ConnectTimeout,
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    };

    private HttpRequestMessage NewRequest(MasterEndpoint endpoint, Call call)
    {
        var content = new ByteArrayContent(call.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue(Protobuf);
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint.SchedulerUri) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(Protobuf));
        if (_options.Credentials is { } credentials)
        {
            request.Headers.TryAddWithoutValidation("Authorization", credentials.HeaderValue);
        }

        return request;
    }

    private static async Task<string> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[MaxErrorBody];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return System.Text.Encoding.UTF8.GetString(buffer, 0, total).Trim();
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return "";
        }
    }

    private void Log(string line) => _log?.Write(line);
}
