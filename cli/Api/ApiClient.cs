using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Drover.Cli.Api;

/// <summary>An answer of the scheduler that is not an error: its status, JSON body and Location.</summary>
internal sealed record Answer(int Status, string Json, string? Location);

/// <summary>
/// The scheduler's operator API over HTTP. Every failure becomes a <see cref="CliException"/> with the exit code it
/// means: the API's errors by status (with the fields they name), a scheduler that cannot be reached, an answer
/// that is not the API's.
/// </summary>
internal sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;

    public ApiClient(Uri url, string? token, TimeSpan timeout)
    {
        Url = url;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), AllowAutoRedirect = false })
        {
            BaseAddress = url,
            Timeout = timeout,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("drover-cli", typeof(ApiClient).Assembly.GetName().Version?.ToString(3) ?? "0"));
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Uri Url { get; }

    /// <summary>"/v1/clusters/{a}/nodes/{b}" with each name escaped.</summary>
    public static string PathOf(params string[] segments) => "/" + string.Join('/', segments.Select(Uri.EscapeDataString));

    public async Task<(T Value, string Json)> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        return (Parse(answer.Json, type), answer.Json);
    }

    /// <summary>Whether GET <paramref name="path"/> finds something (200) or not (404); other answers are errors.</summary>
    public async Task<bool> ExistsAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.NotFound)
        {
            return false;
        }
    }

    /// <param name="mediaType">The body's media type (JSON unless an endpoint reads text, as Quobyte's /v1/version does).</param>
    public async Task<Answer> SendAsync(HttpMethod method, string path, byte[]? json, CancellationToken cancellationToken, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(json);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = "utf-8" };
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.Unreachable, $"cannot reach the scheduler at {Url}: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"the scheduler at {Url} did not answer within {_http.Timeout.TotalSeconds:0.#} s");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new Answer(status, body, response.Headers.Location?.OriginalString);
            }

            throw Refusal(response.StatusCode, body);
        }
    }

    private CliException Refusal(HttpStatusCode status, string body)
    {
        ErrorInfo? error = null;
        try
        {
            error = JsonSerializer.Deserialize(body, WireJsonContext.Default.ErrorInfo);
        }
        catch (JsonException)
        {
            // Not the API's error shape (a proxy's page, another server): say what came.
        }

        var code = (int)status;
        if (error is null || error.Error.Length == 0)
        {
            return new CliException(ExitCodes.OfStatus(code), $"{Url} answered {code} {status}, not the Drover scheduler's API error (is the URL right?)");
        }

        var details = error.Errors.Select(e => e.Field.Length == 0 ? e.Message : $"{e.Field}: {e.Message}").ToList();
        var hint = code == 401 ? " (give the token with --token-file, DROVER_TOKEN or DROVER_TOKEN_FILE)" : "";
        return new CliException(ExitCodes.OfStatus(code), error.Error + hint, details.Count == 1 && error.Error.Contains(details[0], StringComparison.Ordinal) ? [] : details)
        {
            Body = body,
        };
    }

    private T Parse<T>(string json, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Failed, $"{Url} answered something that is not the Drover scheduler's JSON ({e.Message})");
        }
    }

    public void Dispose() => _http.Dispose();
}
