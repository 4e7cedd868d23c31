using System.Net;
using System.Net.Http.Headers;

namespace Drover.ZooKeeper.Exhibitor;

/// <summary>Asks one Exhibitor instance for the ensemble's servers.</summary>
internal interface IExhibitorClient
{
    /// <summary>The servers it lists; throws <see cref="ExhibitorException"/> for every way of not getting them.</summary>
    Task<IReadOnlyList<ServerAddress>> GetServersAsync(ServerAddress exhibitor, CancellationToken cancellationToken);
}

/// <summary>
/// GET http://host:port/exhibitor/v1/cluster/list, as Curator's DefaultExhibitorRestClient, with bounds:
/// the whole exchange within the request timeout, at most <see cref="ExhibitorList.MaxResponseBytes"/>
/// of body (refused from Content-Length when declared, else when the limit is passed), no redirects,
/// no proxy.
/// </summary>
internal sealed class ExhibitorHttp : IExhibitorClient, IDisposable
{
    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;

    public ExhibitorHttp(TimeSpan timeout)
    {
        _timeout = timeout;
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = timeout,
            MaxResponseHeadersLength = 64, // KiB
            // Exhibitor instances come and go with the ensemble: do not hold connections to them for long.
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // our own deadline covers headers and body alike
        };
    }

    public async Task<IReadOnlyList<ServerAddress>> GetServersAsync(ServerAddress exhibitor, CancellationToken cancellationToken)
    {
        var uri = new UriBuilder(Uri.UriSchemeHttp, exhibitor.Host, exhibitor.Port, ExhibitorList.Path).Uri;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            var body = await GetBodyAsync(uri, deadline.Token).ConfigureAwait(false);
            return ExhibitorList.Parse(body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ExhibitorException(ExhibitorErrorKind.Timeout, $"Exhibitor {exhibitor} gave no complete answer within {_timeout.TotalMilliseconds:0} ms.");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new ExhibitorException(ExhibitorErrorKind.Unreachable, $"Exhibitor {exhibitor} is unreachable: {e.Message}", e);
        }
        catch (ExhibitorException e)
        {
            throw new ExhibitorException(e.Kind, $"Exhibitor {exhibitor}: {e.Message}", e);
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<byte[]> GetBodyAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ExhibitorException(ExhibitorErrorKind.HttpStatus, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        if (response.Content.Headers.ContentLength > ExhibitorList.MaxResponseBytes)
        {
            throw TooLarge($"{response.Content.Headers.ContentLength} bytes declared");
        }
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            // One byte of room past the limit tells "exactly at the limit" from "over it".
            var buffer = new byte[ExhibitorList.MaxResponseBytes + 1];
            var length = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
                if (length > ExhibitorList.MaxResponseBytes)
                {
                    throw TooLarge("more than that sent");
                }
            }
            return buffer[..length];
        }
    }

    private static ExhibitorException TooLarge(string what) =>
        new(ExhibitorErrorKind.TooLarge, $"the answer is larger than {ExhibitorList.MaxResponseBytes} bytes ({what}).");
}
