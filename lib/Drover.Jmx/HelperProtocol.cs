using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Drover.Jmx;

/// <summary>One reply line from the helper: {"id":N,"ok":true,"values":{..}|"result":..} or {"id":N,"ok":false,"error":".."}.</summary>
internal readonly record struct HelperReply(long? Id, bool Ok, string? Error, IReadOnlyDictionary<string, JmxValue>? Values, JmxValue? Result);

/// <summary>
/// The helper's line protocol, by hand with Utf8JsonWriter/Utf8JsonReader (no reflection, AOT-clean).
/// Requests (one line each, '\n'-terminated):
/// <code>
/// {"id":N,"op":"ping"}
/// {"id":N,"op":"read","mbean":"domain:key=value","attributes":["A","B"]}
/// {"id":N,"op":"invoke","mbean":"...","operation":"name","arguments":[..],"signature":["java.lang.String",..]}
/// </code>
/// </summary>
internal static class HelperProtocol
{
    /// <summary>Deepest nesting accepted in a reply (CompositeData inside arrays inside...).</summary>
    public const int MaxDepth = 64;

    public static byte[] Ping(long id) => Write(id, "ping", static _ => { });

    public static byte[] Read(long id, string mbean, IReadOnlyList<string> attributes) => Write(id, "read", writer =>
    {
        writer.WriteString("mbean", mbean);
        writer.WriteStartArray("attributes");
        foreach (var attribute in attributes)
        {
            writer.WriteStringValue(attribute);
        }

        writer.WriteEndArray();
    });

    public static byte[] Invoke(long id, string mbean, string operation, IReadOnlyList<JmxValue> arguments, IReadOnlyList<string> signature) => Write(id, "invoke", writer =>
    {
        writer.WriteString("mbean", mbean);
        writer.WriteString("operation", operation);
        writer.WriteStartArray("arguments");
        foreach (var argument in arguments)
        {
            argument.WriteTo(writer);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("signature");
        foreach (var type in signature)
        {
            writer.WriteStringValue(type);
        }

        writer.WriteEndArray();
    });

    /// <summary>The credentials line sent first when the helper runs with --credentials-stdin.</summary>
    public static byte[] Credentials(JmxCredentials credentials)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("username", credentials.Username);
            writer.WriteString("password", credentials.Password);
            writer.WriteEndObject();
        }

        return Terminate(buffer);
    }

    private static byte[] Write(long id, string op, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", id);
            writer.WriteString("op", op);
            body(writer);
            writer.WriteEndObject();
        }

        return Terminate(buffer);
    }

    private static byte[] Terminate(ArrayBufferWriter<byte> buffer)
    {
        // Utf8JsonWriter escapes control characters, so the only '\n' in the line is the terminator.
        var line = new byte[buffer.WrittenCount + 1];
        buffer.WrittenSpan.CopyTo(line);
        line[^1] = (byte)'\n';
        return line;
    }

    /// <summary>Parses one reply line (without its '\n'); false with a reason when it is not a reply.</summary>
    public static bool TryParseReply(ReadOnlySpan<byte> line, out HelperReply reply, out string error)
    {
        reply = default;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "not a JSON object";
                return false;
            }

            long? id = null;
            bool? ok = null;
            string? message = null;
            IReadOnlyDictionary<string, JmxValue>? values = null;
            JmxValue? result = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                if (!reader.Read())
                {
                    break;
                }

                switch (name)
                {
                    case "id":
                        id = reader.TokenType switch
                        {
                            JsonTokenType.Null => null,
                            JsonTokenType.Number when reader.TryGetInt64(out var value) => value,
                            _ => throw new FormatException("\"id\" is neither an integer nor null"),
                        };
                        break;
                    case "ok":
                        ok = reader.TokenType switch
                        {
                            JsonTokenType.True => true,
                            JsonTokenType.False => false,
                            _ => throw new FormatException("\"ok\" is not a boolean"),
                        };
                        break;
                    case "error":
                        message = reader.TokenType == JsonTokenType.String
                            ? reader.GetString()
                            : throw new FormatException("\"error\" is not a string");
                        break;
                    case "values":
                        var parsed = ReadValue(ref reader);
                        values = parsed.Kind == JmxValueKind.Object
                            ? parsed.Properties
                            : throw new FormatException("\"values\" is not an object");
                        break;
                    case "result":
                        result = ReadValue(ref reader);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "the object is cut short or followed by more text";
                return false;
            }

            if (ok is null)
            {
                error = "no \"ok\" member";
                return false;
            }

            if (ok == false && message is null)
            {
                error = "an error reply without \"error\"";
                return false;
            }

            reply = new HelperReply(id, ok.Value, message, values, result);
            error = "";
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            error = e.Message;
            return false;
        }
    }

    private static JmxValue ReadValue(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return JmxValue.Null;
            case JsonTokenType.True:
                return JmxValue.True;
            case JsonTokenType.False:
                return JmxValue.False;
            case JsonTokenType.String:
                return JmxValue.From(reader.GetString());
            case JsonTokenType.Number:
                return JmxValue.FromNumberText(Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan));
            case JsonTokenType.StartArray:
                var items = new List<JmxValue>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader));
                }

                return reader.TokenType == JsonTokenType.EndArray ? JmxValue.Array(items) : throw new FormatException("unterminated array");
            case JsonTokenType.StartObject:
                var properties = new List<KeyValuePair<string, JmxValue>>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = reader.GetString()!;
                    if (!reader.Read())
                    {
                        throw new FormatException("unterminated object");
                    }

                    properties.Add(new(key, ReadValue(ref reader)));
                }

                return reader.TokenType == JsonTokenType.EndObject ? JmxValue.Object(properties) : throw new FormatException("unterminated object");
            default:
                throw new FormatException($"unexpected {reader.TokenType}");
        }
    }
}
