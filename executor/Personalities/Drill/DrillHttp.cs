using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Drover.Executor.Personalities.Drill;

/// <summary>The outcome of one call to the drillbit's web server, in words for the health detail or the operator.</summary>
public readonly record struct DrillHttpResult(bool Ok, string Detail, bool Refused = false);

/// <summary>
/// The two REST calls the personality makes on 127.0.0.1:&lt;http&gt;: GET /status.json (StatusResources:
/// {"status" : "Running!"} once the web server is up) and POST /gracefulShutdown (DrillRoot, Drill 1.14+:
/// the drillbit turns QUIESCENT, waits drill.exec.grace_period_ms and its running queries, unregisters and
/// exits). Bodies are read up to <see cref="MaxBodyBytes"/>; every request is bounded by
/// <see cref="RequestTimeout"/>, so a wedged drillbit is a result, not a hang.
/// </summary>
public sealed class DrillHttp : IDisposable
{
    public const int MaxBodyBytes = 64 * 1024;
    public const string StatusPath = "/status.json";
    public const string GracefulShutdownPath = "/gracefulShutdown";
    public const string RunningStatus = "Running!";

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.Zero, // a fresh connection per call: a wedged keep-alive must not fake health
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public DrillHttp(int port, TimeSpan requestTimeout)
    {
        Port = port;
        RequestTimeout = requestTimeout;
    }

    public int Port { get; }

    public TimeSpan RequestTimeout { get; }

    public Uri Url(string path) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}{path}"));

    /// <summary>GET /status.json: ok when it says "Running!".</summary>
    public async Task<DrillHttpResult> StatusAsync(CancellationToken cancellation)
    {
        var call = await SendAsync(HttpMethod.Get, StatusPath, cancellation).ConfigureAwait(false);
        return call.Result is { } failed ? failed : ParseStatus(call.Body!);
    }

    /// <summary>POST /gracefulShutdown: ok when Drill accepted it; the detail is Drill's answer.</summary>
    public async Task<DrillHttpResult> GracefulShutdownAsync(CancellationToken cancellation)
    {
        var call = await SendAsync(HttpMethod.Post, GracefulShutdownPath, cancellation).ConfigureAwait(false);
        return call.Result ?? new DrillHttpResult(true, $"POST {GracefulShutdownPath}: {Response(call.Body!)}");
    }

    /// <summary>Reads what status.json returned. Pure: bad JSON is a result naming the problem.</summary>
    public static DrillHttpResult ParseStatus(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("status", out var status) &&
                status.ValueKind == JsonValueKind.String)
            {
                var text = status.GetString();
                return text == RunningStatus
                    ? new DrillHttpResult(true, $"{StatusPath}: {RunningStatus}")
                    : new DrillHttpResult(false, $"{StatusPath} says status '{Clip(text ?? "")}', not '{RunningStatus}'");
            }

            return new DrillHttpResult(false, $"{StatusPath} has no \"status\" string: {Clip(body)}");
        }
        catch (JsonException e)
        {
            return new DrillHttpResult(false, $"{StatusPath} is not JSON ({e.Message}): {Clip(body)}");
        }
    }

    private static string Response(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 16 });
            if (document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("response", out var response) &&
                response.ValueKind == JsonValueKind.String)
            {
                return response.GetString() ?? "";
            }
        }
        catch (JsonException)
        {
            // Not Drill's JSON: show what came.
        }

        return Clip(body);
    }

    private async Task<(DrillHttpResult? Result, string? Body)> SendAsync(HttpMethod method, string path, CancellationToken cancellation)
    {
        var url = Url(path);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(method, url);
            if (method == HttpMethod.Post)
            {
                request.Content = new ByteArrayContent([]);
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token).ConfigureAwait(false);
            var body = await ReadBoundedAsync(response.Content, limit.Token).ConfigureAwait(false);
            if (body is null)
            {
                return (new DrillHttpResult(false, $"{method} {url}: the body is over {MaxBodyBytes} bytes"), null);
            }

            var code = (int)response.StatusCode;
            return code is >= 200 and < 300
                ? (null, body)
                : (new DrillHttpResult(false, $"{method} {url}: HTTP {code} {response.ReasonPhrase}: {Clip(body)}"), null);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return (new DrillHttpResult(false, $"{method} {url}: no answer within {RequestTimeout.TotalSeconds:0.#} s"), null);
        }
        catch (HttpRequestException e)
        {
            var refused = e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
            return (new DrillHttpResult(false, $"{method} {url} failed: {e.Message}", refused), null);
        }
    }

    /// <summary>The body as UTF-8, or null when it is longer than <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<string?> ReadBoundedAsync(HttpContent content, CancellationToken cancellation)
    {
        if (content.Headers.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
        var buffer = new byte[MaxBodyBytes + 1];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), cancellation).ConfigureAwait(false)) > 0)
        {
            filled += read;
        }

        return filled > MaxBodyBytes ? null : Encoding.UTF8.GetString(buffer, 0, filled);
    }

    private static string Clip(string text) => text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "...");

    public void Dispose() => _http.Dispose();
}
