using System.Buffers;
using System.Text.Json;

namespace Drover.Registry;

/// <summary>
/// Reads the members of one JSON object with the checks every registry record needs: a size limit
/// checked before parsing, a small depth limit, no duplicate names, exact types, and an error that
/// names the field. Unknown members are skipped so newer writers can add fields.
/// </summary>
internal readonly struct JsonObjectReader
{
    /// <summary>Records are a few hundred bytes; anything near this is not one of ours.</summary>
    public const int MaxRecordBytes = 64 * 1024;

    // Records nest two levels (record → ports / endpoint map → endpoint); leave a little room.
    private const int MaxDepth = 8;

    private readonly Dictionary<string, JsonElement> _members;
    private readonly string _what;

    private JsonObjectReader(Dictionary<string, JsonElement> members, string what)
    {
        _members = members;
        _what = what;
    }

    /// <summary>Parses <paramref name="data"/> and runs <paramref name="read"/> over its top-level object.</summary>
    public static T Parse<T>(ReadOnlyMemory<byte> data, string what, Func<JsonObjectReader, T> read)
    {
        if (data.Length > MaxRecordBytes)
        {
            throw new RecordFormatException($"A {what} of {data.Length} bytes is longer than the {MaxRecordBytes}-byte limit.");
        }
        if (data.IsEmpty)
        {
            throw new RecordFormatException($"The {what} is empty.");
        }
        try
        {
            using var document = JsonDocument.Parse(data, new JsonDocumentOptions { MaxDepth = MaxDepth });
            return read(Of(document.RootElement, what));
        }
        catch (JsonException e)
        {
            throw new RecordFormatException($"The {what} is not valid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // String values are transcoded on access: invalid UTF-8 inside a string surfaces here.
            throw new RecordFormatException($"The {what} holds text that is not valid UTF-8: {e.Message}", e);
        }
    }

    public static JsonObjectReader Of(JsonElement element, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new RecordFormatException($"The {what} is a JSON {Describe(element.ValueKind)}, not an object.");
        }
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var member in element.EnumerateObject())
        {
            if (!members.TryAdd(member.Name, member.Value))
            {
                throw new RecordFormatException($"The {what} has the field \"{member.Name}\" twice.") { Field = member.Name };
            }
        }
        return new JsonObjectReader(members, what);
    }

    public IEnumerable<KeyValuePair<string, JsonElement>> Members => _members;

    public string RequiredString(string name) =>
        OptionalString(name) ?? throw Missing(name, "a string");

    public string? OptionalString(string name)
    {
        if (!_members.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw WrongType(name, value, "a string");
    }

    public bool? OptionalBoolean(string name)
    {
        if (!_members.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(name, value, "true, false or null"),
        };
    }

    public int? OptionalInt32(string name)
    {
        if (!_members.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return AsInt32(value, name);
    }

    public JsonObjectReader RequiredObject(string name) =>
        OptionalObject(name) ?? throw Missing(name, "an object");

    public JsonObjectReader? OptionalObject(string name)
    {
        if (!_members.TryGetValue(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.Object
            ? Of(value, $"\"{name}\" of the {_what}")
            : throw WrongType(name, value, "an object");
    }

    /// <summary>A whole number in int range; 31042.0 or 1e3 are refused, as a Java reader would refuse them as an Integer.</summary>
    public int AsInt32(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw WrongType(name, value, "a whole number");
        }
        if (!value.TryGetInt32(out var number))
        {
            throw new RecordFormatException($"The field \"{name}\" of the {_what} is not a 32-bit whole number.") { Field = name };
        }
        return number;
    }

    public RecordFormatException Invalid(string name, string problem) =>
        new($"The field \"{name}\" of the {_what} {problem}.") { Field = name };

    private RecordFormatException Missing(string name, string expected) =>
        new($"The {_what} lacks the field \"{name}\" ({expected}).") { Field = name };

    private RecordFormatException WrongType(string name, JsonElement value, string expected) =>
        new($"The field \"{name}\" of the {_what} is a JSON {Describe(value.ValueKind)}, not {expected}.") { Field = name };

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };
}

/// <summary>Writes a record with <see cref="Utf8JsonWriter"/>: compact, fields in a fixed order.</summary>
internal static class JsonRecordWriter
{
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteNullableString(this Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
