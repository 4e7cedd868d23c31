using System.Net;
using System.Net.Sockets;

namespace Drover.Executor.Health;

/// <summary>The outcome of one probe, with words for the log and the status message.</summary>
public readonly record struct ProbeResult(bool Healthy, string Detail);

/// <summary>
/// HTTP and TCP probes, done in-process rather than by spawning curl and mesos-tcp-connect as
/// Mesos does: same targets (127.0.0.1 and the check's port), same verdicts (HTTP: a status in
/// 200-399 after following redirects, or one of `statuses`; TCP: the connection opens).
/// </summary>
public sealed class NetworkProbes : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = true, // curl -L
        MaxAutomaticRedirections = 10,
        PooledConnectionLifetime = TimeSpan.Zero, // a fresh connection per probe: a wedged keep-alive must not fake health
        SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true }, // curl -k
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    public async Task<ProbeResult> HttpAsync(HealthCheckDefinition check, CancellationToken cancellation)
    {
        try
        {
            using var response = await _http.GetAsync(check.Url, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            var healthy = check.Statuses.Count > 0 ? check.Statuses.Contains(code) : code is >= 200 and < 400;
            if (!healthy)
            {
                return new ProbeResult(false, $"Unexpected HTTP response code: {code} {response.ReasonPhrase}");
            }

            return check.BodyContains is { } expected
                ? await CheckBodyAsync(response, code, expected, cancellation).ConfigureAwait(false)
                : new ProbeResult(true, $"HTTP {code}");
        }
        catch (HttpRequestException e)
        {
            return new ProbeResult(false, $"GET {check.Url} failed: {e.Message}");
        }
    }

    private static async Task<ProbeResult> CheckBodyAsync(HttpResponseMessage response, int code, string expected, CancellationToken cancellation)
    {
        var body = await ReadBodyAsync(response.Content, MaxBodyBytes, cancellation).ConfigureAwait(false);
        return body.Contains(expected, StringComparison.Ordinal)
            ? new ProbeResult(true, $"HTTP {code}, body has '{expected}'")
            : new ProbeResult(false, $"HTTP {code} but the body does not contain '{expected}': '{Shorten(body)}'");
    }

    /// <summary>
    /// The first <paramref name="maxBytes"/> of a body as UTF-8 text: a health endpoint's answer is short, and a
    /// service that streams megabytes must not make the probe read them.
    /// </summary>
    public static async Task<string> ReadBodyAsync(HttpContent content, int maxBytes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(content);
        var stream = await content.ReadAsStreamAsync(cancellation).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[maxBytes];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellation).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
        }
    }

    private const int MaxBodyBytes = 64 * 1024;

    private static string Shorten(string text) => text.Length <= 200 ? text.Trim() : text[..200].Trim() + "...";

    public static async Task<ProbeResult> TcpAsync(HealthCheckDefinition check, CancellationToken cancellation)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, check.Port), cancellation).ConfigureAwait(false);
            return new ProbeResult(true, $"connected to 127.0.0.1:{check.Port}");
        }
        catch (SocketException e)
        {
            return new ProbeResult(false, $"connecting to 127.0.0.1:{check.Port} failed: {e.Message}");
        }
    }

    public void Dispose() => _http.Dispose();
}
