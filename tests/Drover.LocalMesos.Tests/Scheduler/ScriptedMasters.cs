using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Drover.Mesos.RecordIO;
using Drover.Mesos.Scheduler;
using Google.Protobuf;
using Call = Drover.Mesos.V1.Scheduler.Call;
using Event = Drover.Mesos.V1.Scheduler.Event;

namespace Drover.LocalMesos.Tests.Scheduler;

/// <summary>
/// The client's HTTP stack replaced by a script: each request goes to <see cref="Respond"/>, which answers with a
/// status, a redirect, or an event stream the test writes to. Lets the client's own logic (redirects, backoff,
/// heartbeats) run under a fake clock with no sockets.
/// </summary>
internal sealed class ScriptedMasters : HttpMessageHandler
{
    private readonly List<(Uri Uri, Call Call, string? StreamId, string? Authorization)> _requests = [];

    public Func<Uri, Call, HttpResponseMessage> Respond { get; set; } = (_, _) => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);

    public IReadOnlyList<(Uri Uri, Call Call, string? StreamId, string? Authorization)> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static HttpResponseMessage Status(HttpStatusCode status, string body = "") => new(status) { Content = new StringContent(body) };

    public static HttpResponseMessage Redirect(string location)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TemporaryRedirect);
        response.Headers.TryAddWithoutValidation("Location", location);
        return response;
    }

    /// <summary>A 200 SUBSCRIBE response whose body is <paramref name="stream"/>'s pipe.</summary>
    public static HttpResponseMessage Stream(EventStream stream)
    {
        var content = new StreamContent(stream.Pipe.Reader.AsStream());
        content.Headers.ContentType = new MediaTypeHeaderValue(SchedulerClient.Protobuf);
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        response.Headers.TryAddWithoutValidation(SchedulerClient.StreamIdHeader, stream.Id);
        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var call = Call.Parser.ParseFrom(await request.Content!.ReadAsByteArrayAsync(cancellationToken));
        var streamId = request.Headers.TryGetValues(SchedulerClient.StreamIdHeader, out var ids) ? ids.Single() : null;
        var authorization = request.Headers.TryGetValues("Authorization", out var auth) ? auth.Single() : null;
        lock (_requests)
        {
            _requests.Add((request.RequestUri!, call, streamId, authorization));
        }

        return Respond(request.RequestUri!, call);
    }
}

/// <summary>One scripted event stream.</summary>
internal sealed class EventStream(string id = "stream-1")
{
    public string Id { get; } = id;

    public Pipe Pipe { get; } = new();

    public async Task SendAsync(Event @event)
    {
        await Pipe.Writer.WriteAsync(RecordIOWriter.Frame(@event.ToByteArray()));
    }

    public Task SubscribedAsync(string frameworkId = "fw-1", double heartbeatSeconds = 15, string version = "1.12.0") => SendAsync(new Event
    {
        Type = Event.Types.Type.Subscribed,
        Subscribed = new Event.Types.Subscribed
        {
            FrameworkId = new Drover.Mesos.V1.FrameworkID { Value = frameworkId },
            HeartbeatIntervalSeconds = heartbeatSeconds,
            MasterInfo = new Drover.Mesos.V1.MasterInfo { Id = "m", Ip = 0, Port = 5050, Version = version },
        },
    });

    public void End() => Pipe.Writer.Complete();
}
