using System.Globalization;
using System.Text;

namespace Drover.Executor.Health;

/// <summary>
/// An HTTP check, done in-process rather than by spawning curl as Mesos does: the same target (127.0.0.1 and
/// the check's port) and verdict (a status in 200-399 after following redirects, or one of
/// <see cref="Statuses"/>), and optionally text the body must contain (in its first 64 KiB).
/// </summary>
public sealed class HttpProbe : IHealthProbe
{
    private const int MaxBodyBytes = 64 * 1024;

    /// <summary>One client for every HTTP check, made on first use: a fresh connection per probe all the same.</summary>
    private static readonly Lazy<HttpClient> Client = new(() => new HttpClient(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = true, // curl -L
        MaxAutomaticRedirections = 10,
        PooledConnectionLifetime = TimeSpan.Zero, // a wedged keep-alive must not fake health
        SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true }, // curl -k
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    });

    public HttpProbe(string scheme, int port, string path, IReadOnlyList<int>? statuses = null, string? bodyContains = null)
    {
        Port = port;
        Url = new Uri(string.Create(CultureInfo.InvariantCulture, $"{scheme}://127.0.0.1:{port}{path}"));
        Statuses = statuses ?? [];
        BodyContains = bodyContains;
    }

    public int Port { get; }

    /// <summary>The URL probed, on 127.0.0.1 (as Mesos does, not "localhost").</summary>
    public Uri Url { get; }

    /// <summary>The codes that count as healthy; empty: 200-399 after redirects.</summary>
    public IReadOnlyList<int> Statuses { get; }

    /// <summary>Text the body must contain, e.g. Riak's "OK"; null: any body.</summary>
    public string? BodyContains { get; }

    public async Task<ProbeResult> ProbeAsync(CancellationToken cancellation)
    {
        try
        {
            using var response = await Client.Value.GetAsync(Url, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            var healthy = Statuses.Count > 0 ? Statuses.Contains(code) : code is >= 200 and < 400;
            if (!healthy)
            {
                return new ProbeResult(false, $"Unexpected HTTP response code: {code} {response.ReasonPhrase}");
            }

            if (BodyContains is not { } expected)
            {
                return new ProbeResult(true, $"HTTP {code}");
            }

            var body = await ReadBodyAsync(response.Content, MaxBodyBytes, cancellation).ConfigureAwait(false);
            return body.Contains(expected, StringComparison.Ordinal)
                ? new ProbeResult(true, $"HTTP {code}, body has '{expected}'")
                : new ProbeResult(false, $"HTTP {code} but the body does not contain '{expected}': '{Shorten(body)}'");
        }
        catch (HttpRequestException e)
        {
            return new ProbeResult(false, $"GET {Url} failed: {e.Message}");
        }
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

            return Encoding.UTF8.GetString(buffer, 0, length);
        }
    }

    private static string Shorten(string text) => text.Length <= 200 ? text.Trim() : text[..200].Trim() + "...";
}
