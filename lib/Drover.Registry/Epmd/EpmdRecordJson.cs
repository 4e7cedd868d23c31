using System.Collections.Immutable;
using System.Text.Json;
using Drover.Epmd;

namespace Drover.Registry.Epmd;

/// <summary>
/// The data of a cEPMD registration znode (<c>epmd/&lt;name&gt;</c>): compact UTF-8 JSON, every field present,
/// in this order:
/// <code>
/// {"name":"riak","host":"agent1","port":40123,"nodeType":77,"protocol":0,
///  "highestVersion":6,"lowestVersion":5,"extra":"","creation":1795268264}
/// </code>
/// <c>host</c> is null for a server that was not told its host; <c>extra</c> is base64.
/// </summary>
public static class EpmdRecordJson
{
    private const string What = "cEPMD registration";

    /// <summary>epmd's bound on a name in bytes, and on the extra field.</summary>
    private const int MaxSymbolBytes = 255 * 4;

    public static byte[] Write(NodeRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        return JsonRecordWriter.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("name", registration.Name);
            writer.WriteNullableString("host", registration.Host);
            writer.WriteNumber("port", registration.Port);
            writer.WriteNumber("nodeType", (byte)registration.NodeType);
            writer.WriteNumber("protocol", registration.Protocol);
            writer.WriteNumber("highestVersion", registration.HighestVersion);
            writer.WriteNumber("lowestVersion", registration.LowestVersion);
            writer.WriteBase64String("extra", registration.Extra.AsSpan());
            writer.WriteNumber("creation", registration.Creation);
            writer.WriteEndObject();
        });
    }

    /// <summary>
    /// Reads a registration. Required: name (a string of at most 1020 UTF-8 bytes), port, nodeType, protocol,
    /// highestVersion, lowestVersion (whole numbers within their wire sizes), creation (a 32-bit unsigned
    /// number); host may be null or missing; extra (base64, at most 1020 bytes) may be missing. Unknown
    /// fields are ignored. Anything else throws <see cref="RecordFormatException"/>.
    /// </summary>
    public static NodeRegistration Parse(ReadOnlyMemory<byte> data) => JsonObjectReader.Parse(data, What, Read);

    private static NodeRegistration Read(JsonObjectReader json)
    {
        var name = json.RequiredString("name");
        if (System.Text.Encoding.UTF8.GetByteCount(name) > MaxSymbolBytes)
        {
            throw json.Invalid("name", $"is longer than {MaxSymbolBytes} bytes");
        }
        var host = json.OptionalString("host");
        if (host is { Length: 0 })
        {
            throw json.Invalid("host", "is empty (null means no host)");
        }
        return new NodeRegistration(
            name,
            (ushort)Number(json, "port", ushort.MaxValue),
            (EpmdNodeType)Number(json, "nodeType", byte.MaxValue),
            (byte)Number(json, "protocol", byte.MaxValue),
            (ushort)Number(json, "highestVersion", ushort.MaxValue),
            (ushort)Number(json, "lowestVersion", ushort.MaxValue),
            Extra(json),
            Creation(json),
            host);
    }

    private static int Number(JsonObjectReader json, string name, int max)
    {
        var value = json.OptionalInt32(name) ?? throw json.Invalid(name, "is missing (a whole number)");
        return value >= 0 && value <= max ? value : throw json.Invalid(name, $"is {value}, not from 0 to {max}");
    }

    private static uint Creation(JsonObjectReader json)
    {
        var element = Field(json, "creation") ?? throw json.Invalid("creation", "is missing (a whole number)");
        return element.ValueKind == JsonValueKind.Number && element.TryGetUInt32(out var creation)
            ? creation
            : throw json.Invalid("creation", "is not a 32-bit unsigned whole number");
    }

    private static ImmutableArray<byte> Extra(JsonObjectReader json)
    {
        if (Field(json, "extra") is not { ValueKind: not JsonValueKind.Null } element)
        {
            return [];
        }
        if (element.ValueKind != JsonValueKind.String || !element.TryGetBytesFromBase64(out var bytes))
        {
            throw json.Invalid("extra", "is not a base64 string");
        }
        return bytes.Length <= MaxSymbolBytes ? [.. bytes] : throw json.Invalid("extra", $"holds more than {MaxSymbolBytes} bytes");
    }

    private static JsonElement? Field(JsonObjectReader json, string name)
    {
        foreach (var (key, value) in json.Members)
        {
            if (key == name)
            {
                return value;
            }
        }
        return null;
    }
}
