using System.Net.Http.Headers;
using Drover.Mesos.RecordIO;
using Drover.LocalMesos.Agent;
using Google.Protobuf;
using Drover.Mesos.V1;
using Drover.Mesos.V1.Executor;
using TaskStatus = Drover.Mesos.V1.TaskStatus;

namespace Drover.LocalMesos.Tests.Agent;

/// <summary>A minimal executor-side client: enough HTTP to exercise the emulator as an executor would.</summary>
internal sealed class TestExecutorClient : IDisposable
{
    public const string Protobuf = "application/x-protobuf";

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
    private readonly MesosAgentEmulator _agent;

    public TestExecutorClient(MesosAgentEmulator agent) => _agent = agent;

    public Call NewCall(Call.Types.Type type) => new()
    {
        Type = type,
        ExecutorId = new ExecutorID { Value = _agent.ExecutorId },
        FrameworkId = new FrameworkID { Value = _agent.FrameworkId },
    };

    public Call SubscribeCall(params TaskStatus[] unacknowledged)
    {
        var call = NewCall(Call.Types.Type.Subscribe);
        call.Subscribe = new Call.Types.Subscribe();
        foreach (var status in unacknowledged)
        {
            call.Subscribe.UnacknowledgedUpdates.Add(new Call.Types.Update { Status = status });
        }

        return call;
    }

    public Call UpdateCall(TaskStatus status)
    {
        var call = NewCall(Call.Types.Type.Update);
        call.Update = new Call.Types.Update { Status = status };
        return call;
    }

    /// <summary>A status as an executor must send it: fresh RFC 4122 UUID (version nibble in byte 6), SOURCE_EXECUTOR.</summary>
    public TaskStatus Status(string taskId, TaskState state) => new()
    {
        TaskId = new TaskID { Value = taskId },
        State = state,
        Source = TaskStatus.Types.Source.Executor,
        ExecutorId = new ExecutorID { Value = _agent.ExecutorId },
        Uuid = ByteString.CopyFrom(Guid.NewGuid().ToByteArray(bigEndian: true)),
    };

    public Task<HttpResponseMessage> PostAsync(Call call, string? contentType = Protobuf, string? accept = Protobuf, string? token = null, HttpMethod? method = null) =>
        PostAsync(call.ToByteArray(), contentType, accept, token, method);

    public async Task<HttpResponseMessage> PostAsync(byte[] body, string? contentType = Protobuf, string? accept = Protobuf, string? token = null, HttpMethod? method = null,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, _agent.ApiUri);
        if (method != HttpMethod.Get)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await _http.SendAsync(request, completion).ConfigureAwait(false);
    }

    /// <summary>SUBSCRIBEs and returns the open event stream (asserting 200).</summary>
    public async Task<EventStream> SubscribeAsync(Call? subscribe = null, string? token = null)
    {
        var response = await PostAsync((subscribe ?? SubscribeCall()).ToByteArray(), token: token, completion: HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != System.Net.HttpStatusCode.OK)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new InvalidOperationException($"SUBSCRIBE answered {(int)response.StatusCode}: {body}");
        }

        return new EventStream(response, await response.Content.ReadAsStreamAsync());
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>The executor's end of a subscription: events decoded with Drover's RecordIO reader.</summary>
internal sealed class EventStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly RecordIOStreamReader _reader;

    public EventStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new RecordIOStreamReader(body);
    }

    public HttpResponseMessage Response => _response;

    /// <summary>The next event; null at a clean end of stream; TimeoutException if none within the timeout.</summary>
    public async Task<Event?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        try
        {
            return await _reader.ReadAsync(static bytes => Event.Parser.ParseFrom(bytes), cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException("no event from the emulator in time");
        }
    }

    /// <summary>The next event that is not a HEARTBEAT.</summary>
    public async Task<Event?> NextNonHeartbeatAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var e = await NextAsync(timeout);
            if (e is null || e.Type != ExecutorEvents.HeartbeatType)
            {
                return e;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.DisposeAsync();
        _response.Dispose();
    }
}
