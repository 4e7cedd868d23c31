using System.Globalization;
using System.Net;
using System.Text;
using Drover.Executor.Health;

namespace Drover.Executor.Personalities.Riak;

/// <summary>
/// Riak's own liveness check: GET /ping on the node's HTTP listener (at 127.0.0.1, as Mesos probes) must
/// answer 200 with the body "OK". Anything else is unhealthy, and the detail says what came back.
/// The body is read up to <see cref="MaxBodyBytes"/>: a peer cannot make the probe buffer more.
/// </summary>
public sealed class RiakPingProbe : IHealthProbe, IAsyncDisposable
{
    /// <summary>More than "OK" needs; the rest of a longer body is not read.</summary>
    public const int MaxBodyBytes = 1024;

    /// <summary>How much of an unexpected body the detail quotes.</summary>
    private const int QuotedBodyChars = 80;

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false, // Riak answers /ping itself; a redirect is not Riak's answer
        PooledConnectionLifetime = TimeSpan.Zero, // a fresh connection per probe: a wedged keep-alive must not fake health
        MaxResponseHeadersLength = 16, // KiB
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // the check's timeout cancels the token
    };

    public RiakPingProbe(int port)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        Url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/ping"));
    }

    public Uri Url { get; }

    public async Task<ProbeResult> ProbeAsync(CancellationToken cancellation)
    {
        try
        {
            using var response = await _http.GetAsync(Url, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            var body = await HttpProbe.ReadBodyAsync(response.Content, MaxBodyBytes, cancellation).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.OK && body.Trim() == "OK")
            {
                return new ProbeResult(true, $"GET {Url}: 200 OK");
            }

            return new ProbeResult(false, $"GET {Url} answered {code} {response.ReasonPhrase} with {Quote(body)}; Riak answers 200 with OK");
        }
        catch (HttpRequestException e)
        {
            return new ProbeResult(false, $"GET {Url} failed: {e.Message}");
        }
        catch (IOException e)
        {
            return new ProbeResult(false, $"GET {Url} failed while reading the answer: {e.Message}");
        }
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>The body as the detail shows it: quoted, shortened, control characters escaped.</summary>
    private static string Quote(string body)
    {
        if (body.Length == 0)
        {
            return "an empty body";
        }

        var text = new StringBuilder("body '");
        foreach (var c in body.Length > QuotedBodyChars ? body[..QuotedBodyChars] : body)
        {
            if (char.IsControl(c))
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                text.Append(c);
            }
        }

        return text.Append(body.Length > QuotedBodyChars ? "...'" : "'").ToString();
    }
}
