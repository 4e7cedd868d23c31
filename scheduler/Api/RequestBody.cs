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
        CheckSyntax(body, type.Options.MaxDepth);
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

    /// <summary>
    /// Refuses a body that is not one well-formed JSON value (or nests deeper than <paramref name="maxDepth"/>),
    /// saying where. Done before deserializing, so that what deserialization refuses afterwards is always a field's
    /// type or name, never the syntax.
    /// </summary>
    public static void CheckSyntax(byte[] body, int maxDepth)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions
        {
            MaxDepth = maxDepth,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        });
        try
        {
            while (reader.Read())
            {
            }
        }
        catch (JsonException e)
        {
            throw ApiProblem.BadField("", $"malformed JSON, or nested deeper than {maxDepth} levels, at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}");
        }
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

    /// <summary>
    /// What a deserialization error (the syntax being fine) means for an operator, without .NET type names. The
    /// unknown-field case is told by its message, in English or, in a binary built with UseSystemResourceKeys,
    /// by its resource key.
    /// </summary>
    internal static string Explain(JsonException e) =>
        e.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal) || e.Message.StartsWith("UnmappedJsonProperty", StringComparison.Ordinal)
            ? "unknown field"
            : "wrong type or value (null, or not the type this field takes)";
}
