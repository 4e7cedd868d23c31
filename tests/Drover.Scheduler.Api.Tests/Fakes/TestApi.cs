using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Drover.Metrics;

namespace Drover.Scheduler.Api.Tests.Fakes;

/// <summary>The real operator API on 127.0.0.1 (a port picked by Kestrel) over a <see cref="FakeScheduler"/>.</summary>
public sealed class TestApi : IAsyncDisposable
{
    public const string Token = "test-token-0123456789abcdef";

    private TestApi(FakeScheduler scheduler, OperatorServer server, MetricRegistry metrics, string? token)
    {
        Scheduler = scheduler;
        Server = server;
        Metrics = metrics;
        Client = NewClient(token);
    }

    public FakeScheduler Scheduler { get; }

    public OperatorServer Server { get; }

    public MetricRegistry Metrics { get; }

    /// <summary>Sends the token when the API has one.</summary>
    public HttpClient Client { get; }

    public Uri Url => Server.Url;

    public static async Task<TestApi> StartAsync(bool withToken = true, FakeScheduler? scheduler = null, TimeSpan? operationTimeout = null, TimeProvider? time = null)
    {
        scheduler ??= new FakeScheduler(time);
        var options = new OperatorApiOptions
        {
            Listen = new ListenAddress(IPAddress.Loopback, 0),
            Token = withToken ? OperatorToken.FromSecret(Token) : null,
            OperationTimeout = operationTimeout ?? OperatorApiOptions.DefaultOperationTimeout,
        };
        var metrics = new MetricRegistry();
        var server = await OperatorApi.StartAsync(scheduler, options, metrics, time);
        return new TestApi(scheduler, server, metrics, withToken ? Token : null);
    }

    public HttpClient NewClient(string? token)
    {
        var client = new HttpClient { BaseAddress = Server.Url, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/json", $"not JSON ({response.Content.Headers.ContentType}): {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts the API's error shape and returns the fields it names.</summary>
    public static async Task<IReadOnlyList<string>> ErrorFieldsAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await ReadAsync(response);
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {response.StatusCode}: {body}");
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
        return [.. body.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!)];
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
