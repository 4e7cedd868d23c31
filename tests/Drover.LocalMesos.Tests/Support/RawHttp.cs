using System.Net.Http.Headers;
using Drover.Mesos.Scheduler;
using Google.Protobuf;
using Call = Drover.Mesos.V1.Scheduler.Call;

namespace Drover.LocalMesos.Tests.Support;

/// <summary>Calls sent by hand, to see exactly what the master answers (status, body, headers).</summary>
public static class RawHttp
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public sealed record Answer(int Status, string Body, HttpResponseMessage Response);

    public static Task<Answer> PostAsync(MasterEndpoint master, Call call, string? streamId = null) =>
        PostAsync(master, call.ToByteArray(), streamId);

    public static async Task<Answer> PostAsync(MasterEndpoint master, byte[] body, string? streamId = null, string contentType = SchedulerClient.Protobuf, string method = "POST")
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), master.SchedulerUri);
        if (method != "GET")
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        request.Headers.Accept.ParseAdd(SchedulerClient.Protobuf);
        if (streamId is not null)
        {
            request.Headers.TryAddWithoutValidation(SchedulerClient.StreamIdHeader, streamId);
        }

        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if ((int)response.StatusCode == 200 && response.Content.Headers.ContentType?.MediaType == SchedulerClient.Protobuf && response.Headers.Contains(SchedulerClient.StreamIdHeader))
        {
            // A subscription stream: do not read it to the end.
            return new Answer(200, "", response);
        }

        var text = await response.Content.ReadAsStringAsync();
        return new Answer((int)response.StatusCode, text, response);
    }

    public static async Task<string> GetAsync(Uri uri) => await Http.GetStringAsync(uri);
}
