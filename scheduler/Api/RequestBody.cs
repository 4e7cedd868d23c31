using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Drover.Scheduler.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Drover.Scheduler.Api;

/// <summary>
/// Reads a request's JSON body: the content type must be JSON (UTF-8), the length is checked against the limit
/// before anything is read (a declared length at once, a chunked body as it arrives), and every mistake is an
/// <see cref="ApiProblem"/> naming the field.
/// </summary>
internal static class RequestBody
{
    public static async Task<byte[]> ReadJsonAsync(HttpContext context, int maxBytes)
    {
        var request = context.Request;
        CheckContentType(request.ContentType);
        if (request.ContentLength is { } declared && declared > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        var writer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 4096, maxBytes) + 1);
        while (true)
        {
            var memory = writer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, context.RequestAborted).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            writer.Advance(read);
            if (writer.WrittenCount > maxBytes)
            {
                throw TooLarge(maxBytes);
            }
        }

        if (writer.WrittenCount == 0)
        {
            throw ApiProblem.BadField("", "the body is empty: a JSON object is expected");
        }

        return writer.WrittenSpan.ToArray();
    }

    /// <summary>Reads and deserializes a small body strictly; null and errors become a 400 naming the field.</summary>
    public static async Task<T> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type)
        where T : class
    {
        var body = await ReadJsonAsync(context, OperatorApiOptions.MaxSmallBodyBytes).ConfigureAwait(false);
        return Deserialize(body, type);
    }

    public static T Deserialize<T>(byte[] body, JsonTypeInfo<T> type)
        where T : class
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException e)
        {
            throw ApiProblem.BadField(ClusterSpecJson.FieldOf(e.Path), Explain(e));
        }

        return value ?? throw ApiProblem.BadField("", "the body is null: a JSON object is expected");
    }

    private static void CheckContentType(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media)
            || !media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            throw ApiProblem.BadField("Content-Type", $"'{contentType ?? ""}' is not JSON: send Content-Type: application/json (UTF-8)");
        }
    }

    private static ApiProblem TooLarge(int maxBytes) => new(
        StatusCodes.Status413PayloadTooLarge,
        $"the body is larger than {maxBytes} bytes",
        [new SpecError("", $"larger than {maxBytes} bytes")]);

    /// <summary>System.Text.Json's message without .NET type names, which mean nothing to an operator.</summary>
    private static string Explain(JsonException e)
    {
        var message = e.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return "unknown field";
        }

        if (message.Contains("could not be converted to", StringComparison.Ordinal))
        {
            return "wrong type or value";
        }

        if (message.Contains("null", StringComparison.OrdinalIgnoreCase) && message.Contains("nullab", StringComparison.OrdinalIgnoreCase))
        {
            return "null is not allowed here";
        }

        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return "malformed JSON: " + (cut > 0 ? message[..cut] : message);
    }
}
