using Drover.Mesos.V1.Executor;

namespace Drover.LocalMesos.Agent;

/// <summary>One request to the executor endpoint and how the emulator answered it.</summary>
/// <param name="Call">The decoded call; null when the body did not decode (or was not even read: wrong method, content type, token).</param>
/// <param name="StatusCode">The HTTP status answered (200 for a SUBSCRIBE that opened a stream); 0 if the connection was aborted on purpose.</param>
/// <param name="ResponseBody">The error text answered, empty for 200/202.</param>
public sealed record ReceivedCall(
    Call? Call,
    int StatusCode,
    string ResponseBody,
    string Method,
    string? ContentType,
    string? Accept,
    string? Authorization,
    DateTimeOffset At)
{
    public bool IsAccepted => StatusCode is 200 or 202;

    public override string ToString() =>
        $"{(Call is null ? Method : Call.Type.ToString())} -> {StatusCode}{(ResponseBody.Length > 0 ? " " + ResponseBody : "")}";
}
