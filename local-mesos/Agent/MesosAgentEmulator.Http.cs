using System.Text;
using Google.Protobuf;
using Drover.Mesos.V1.Executor;
using Microsoft.AspNetCore.Http;

namespace Drover.LocalMesos.Agent;

public sealed partial class MesosAgentEmulator
{
    private const string Protobuf = "application/x-protobuf";
    private const string Json = "application/json";

    /// <summary>What a request gets, decided before anything is written.</summary>
    private readonly record struct Answer(int Status, string Body)
    {
        public static readonly Answer Accepted = new(StatusCodes.Status202Accepted, "");
        public static readonly Answer Stream = new(StatusCodes.Status200OK, "");
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path != ApiPath && request.Path != "/slave(1)" + ApiPath)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        byte[] body;
        using (var buffer = new MemoryStream())
        {
            await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            body = buffer.ToArray();
        }

        (var answer, var call) = Decide(request, body);
        Subscription? subscription = null;
        lock (_gate)
        {
            var accepted = answer == Answer.Accepted || answer == Answer.Stream;
            if (accepted && call is not null && TakeOverride(call.Type) is { } forced)
            {
                answer = forced;
            }
            else if (answer == Answer.Stream && call is not null)
            {
                subscription = OpenSubscriptionUnsynchronized(context, call);
            }
            else if (answer == Answer.Accepted && call is not null)
            {
                AcceptUnsynchronized(call);
            }

            Record(new ReceivedCall(call, answer.Status, answer.Body, request.Method, request.ContentType,
                request.Headers.Accept.ToString() is { Length: > 0 } accept ? accept : null,
                request.Headers.Authorization.ToString() is { Length: > 0 } authorization ? authorization : null,
                DateTimeOffset.UtcNow));
        }

        if (subscription is not null)
        {
            await StreamAsync(subscription).ConfigureAwait(false);
        }
        else if (answer.Status == 0)
        {
            context.Abort();
        }
        else
        {
            await RespondAsync(context, answer).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The agent's decision for a request, in the order of src/slave/http.cpp Http::executor
    /// (authentication runs first, in libprocess). Accepted calls come back as 202 (UPDATE,
    /// MESSAGE) or 200 (SUBSCRIBE); the caller then acts on them.
    /// </summary>
    private (Answer Answer, Call? Call) Decide(HttpRequest request, byte[] body)
    {
        if (_options.AuthenticationToken is { } token
            && request.Headers.Authorization.ToString() != "Bearer " + token)
        {
            return (new Answer(StatusCodes.Status401Unauthorized, ""), null);
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            return (new Answer(StatusCodes.Status405MethodNotAllowed, $"Expecting one of {{ 'POST' }}, but received '{request.Method}'"), null);
        }

        var contentType = request.ContentType;
        if (contentType is null)
        {
            return (new Answer(StatusCodes.Status400BadRequest, "Expecting 'Content-Type' to be present"), null);
        }

        // The agent compares the whole header: "application/x-protobuf; charset=..." is not protobuf.
        if (contentType != Protobuf)
        {
            var note = contentType == Json ? " (this emulator decodes only application/x-protobuf)" : "";
            return (new Answer(StatusCodes.Status415UnsupportedMediaType, $"Expecting 'Content-Type' of {Json} or {Protobuf}{note}"), null);
        }

        Call call;
        try
        {
            call = Call.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException)
        {
            return (new Answer(StatusCodes.Status400BadRequest, "Failed to parse body into Call protobuf"), null);
        }

        // C++ ParseFromString also fails when a required field (at any depth) is missing.
        if (!call.IsInitialized())
        {
            return (new Answer(StatusCodes.Status400BadRequest, "Failed to parse body into Call protobuf"), call);
        }

        if (ExecutorCallValidation.Validate(call) is { } invalid)
        {
            return (new Answer(StatusCodes.Status400BadRequest, "Failed to validate Executor::Call: " + invalid), call);
        }

        if (call.Type == Call.Types.Type.Subscribe)
        {
            var accept = request.Headers.Accept.ToString() is { Length: > 0 } a ? a : null;

            // The agent prefers JSON whenever it is acceptable, including when Accept is absent.
            if (AcceptHeader.Accepts(accept, Json))
            {
                return (new Answer(StatusCodes.Status406NotAcceptable,
                    $"emulator: a real agent would stream this SUBSCRIBE as JSON, because Accept ({accept ?? "absent"}) allows {Json}; send 'Accept: {Protobuf}'"), call);
            }

            if (!AcceptHeader.Accepts(accept, Protobuf))
            {
                return (new Answer(StatusCodes.Status406NotAcceptable, $"Expecting 'Accept' to allow '{Protobuf}' or '{Json}'"), call);
            }
        }
        else if (call.Type == ExecutorCallValidation.HeartbeatType)
        {
            return (Answer.Accepted, null);
        }

        if (call.FrameworkId.Value != _options.FrameworkId)
        {
            return (new Answer(StatusCodes.Status400BadRequest, "Framework cannot be found"), call);
        }

        if (call.ExecutorId.Value != _options.ExecutorId)
        {
            return (new Answer(StatusCodes.Status400BadRequest, "Executor cannot be found"), call);
        }

        lock (_gate)
        {
            if (!_subscribedOnce && call.Type != Call.Types.Type.Subscribe)
            {
                return (new Answer(StatusCodes.Status403Forbidden, "Executor is not subscribed"), call);
            }
        }

        return call.Type switch
        {
            Call.Types.Type.Subscribe => (Answer.Stream, call),
            Call.Types.Type.Update or Call.Types.Type.Message => (Answer.Accepted, call),
            _ => (new Answer(StatusCodes.Status501NotImplemented, ""), call),
        };
    }

    private static async Task RespondAsync(HttpContext context, Answer answer)
    {
        context.Response.StatusCode = answer.Status;
        if (answer.Status == StatusCodes.Status405MethodNotAllowed)
        {
            context.Response.Headers.Allow = "POST";
        }

        if (answer.Status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"mesos-agent-executor\"";
        }

        if (answer.Body.Length > 0)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(answer.Body), context.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>Acts on an accepted UPDATE or MESSAGE. Caller holds the lock.</summary>
    private void AcceptUnsynchronized(Call call)
    {
        if (call.Type == Call.Types.Type.Update)
        {
            AcceptUpdateUnsynchronized(call.Update.Status, viaSubscribe: false);
        }
        else if (call.Type == Call.Types.Type.Message)
        {
            _messages.Add(call.Message.Data);
            MessageReceived?.Invoke(call.Message.Data);
        }
    }

    // ---- Next-response overrides --------------------------------------------------------------

    private readonly Dictionary<Call.Types.Type, Queue<Answer>> _overrides = [];

    /// <summary>
    /// The next valid call of <paramref name="type"/> is answered with <paramref name="statusCode"/>
    /// (and <paramref name="body"/>) instead of being acted on: a failed UPDATE is not recorded nor
    /// acknowledged, a failed SUBSCRIBE opens no stream. Overrides queue up per type.
    /// </summary>
    public void RespondNext(Call.Types.Type type, int statusCode, string body = "")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        EnqueueOverride(type, new Answer(statusCode, body));
    }

    /// <summary>The next valid call of <paramref name="type"/> gets no answer: its connection is aborted (an agent dying mid-request).</summary>
    public void AbortNext(Call.Types.Type type) => EnqueueOverride(type, new Answer(0, ""));

    /// <summary>The next <paramref name="count"/> valid UPDATE calls are answered <paramref name="statusCode"/> (default 503).</summary>
    public void FailNextUpdates(int count, int statusCode = StatusCodes.Status503ServiceUnavailable)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = 0; i < count; i++)
        {
            RespondNext(Call.Types.Type.Update, statusCode, statusCode == StatusCodes.Status503ServiceUnavailable ? "Agent has not finished recovery" : "");
        }
    }

    private void EnqueueOverride(Call.Types.Type type, Answer answer)
    {
        lock (_gate)
        {
            if (!_overrides.TryGetValue(type, out var queue))
            {
                _overrides[type] = queue = new Queue<Answer>();
            }

            queue.Enqueue(answer);
        }
    }

    private Answer? TakeOverride(Call.Types.Type type) =>
        _overrides.TryGetValue(type, out var queue) && queue.TryDequeue(out var answer) ? answer : null;
}
