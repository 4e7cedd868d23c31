using System.Text.Json;
using System.Text.Json.Serialization;

namespace Drover.Scheduler.Model;

/// <summary>
/// The operator's JSON form of a <see cref="ClusterSpec"/> (snake_case, enums by name, unknown fields refused),
/// source-generated for native AOT. <see cref="Parse(string)"/> turns any mistake into a <see cref="SpecException"/>
/// naming the field: malformed JSON, a wrong type, an unknown field, then every validation error at once.
/// </summary>
public static class ClusterSpecJson
{
    /// <summary>A body larger than this is refused before parsing: a spec is a few KB.</summary>
    public const int MaxBytes = 256 * 1024;

    public static ClusterSpec Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json));

    public static ClusterSpec Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxBytes)
        {
            throw new SpecException([new SpecError("", $"the spec is {utf8.Length} bytes; at most {MaxBytes} are accepted")]);
        }

        ClusterSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize(utf8, SpecJsonContext.Default.ClusterSpec);
        }
        catch (JsonException e)
        {
            throw new SpecException([new SpecError(FieldOf(e.Path), Explain(e))]);
        }

        if (spec is null)
        {
            throw new SpecException([new SpecError("", "the spec is null; a JSON object is expected")]);
        }

        var errors = ClusterSpecValidator.Validate(spec);
        return errors.Count == 0 ? spec : throw new SpecException(errors);
    }

    public static string Serialize(ClusterSpec spec) => JsonSerializer.Serialize(spec, SpecJsonContext.Default.ClusterSpec);

    /// <summary>"$.resources.cpus" → "resources.cpus"; "$" → "".</summary>
    internal static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "";
        }

        return path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }

    /// <summary>System.Text.Json's message without its .NET type names, which mean nothing to an operator.</summary>
    private static string Explain(JsonException e)
    {
        var message = e.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return "unknown field";
        }

        if (message.Contains("could not be converted to", StringComparison.Ordinal))
        {
            return "wrong type or value" + (e.InnerException is { } inner ? $" ({inner.Message})" : "");
        }

        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return "malformed JSON: " + (cut > 0 ? message[..cut] : message);
    }
}

/// <summary>Source-generated JSON for the operator's types (AOT: no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    AllowTrailingCommas = false,
    ReadCommentHandling = JsonCommentHandling.Disallow,
    RespectNullableAnnotations = true,
    MaxDepth = 16)]
[JsonSerializable(typeof(ClusterSpec))]
internal sealed partial class SpecJsonContext : JsonSerializerContext;
