using System.Text.Json;
using Drover.Mesos.V1;

namespace Drover.Mesos.Scheduler;

/// <summary>
/// The JSON form of <c>MasterInfo</c> that masters write in their <c>json.info_</c> znodes (protobuf field
/// names: <c>id</c>, <c>ip</c>, <c>port</c>, <c>pid</c>, <c>hostname</c>, <c>version</c>, <c>address</c> with
/// <c>hostname</c>, <c>ip</c>, <c>port</c>). Read with JsonDocument: no reflection, AOT-clean; a peer's bad data
/// is a <see cref="FormatException"/> naming the field.
/// </summary>
public static class MasterInfoJson
{
    public static MasterInfo Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new FormatException($"MasterInfo is not JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"MasterInfo is a JSON {root.ValueKind}, not an object");
            }

            var info = new MasterInfo
            {
                Id = String(root, "id") ?? throw new FormatException("MasterInfo has no 'id'"),
                Ip = (uint)(Number(root, "ip") ?? 0),
                Port = (uint)(Number(root, "port") ?? MasterAddress.DefaultMasterPort),
            };
            if (String(root, "pid") is { } pid)
            {
                info.Pid = pid;
            }

            if (String(root, "hostname") is { } hostname)
            {
                info.Hostname = hostname;
            }

            if (String(root, "version") is { } version)
            {
                info.Version = version;
            }

            if (root.TryGetProperty("address", out var address))
            {
                if (address.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException("MasterInfo 'address' is not an object");
                }

                info.Address = new Address { Port = (int)(Number(address, "port") ?? info.Port) };
                if (String(address, "ip") is { } ip)
                {
                    info.Address.Ip = ip;
                }

                if (String(address, "hostname") is { } addressHost)
                {
                    info.Address.Hostname = addressHost;
                }
            }

            return info;
        }
    }

    /// <summary>Where to reach the master: address.ip (hostnames may not resolve here), else address.hostname, else hostname, else the packed ip.</summary>
    public static MasterEndpoint EndpointOf(MasterInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var port = info.Address?.Port is > 0 and <= 65535 ? info.Address.Port : (int)info.Port;
        if (port is < 1 or > 65535)
        {
            throw new FormatException($"MasterInfo port {port} is out of range");
        }

        var host = info.Address is { HasIp: true } a ? a.Ip
            : info.Address is { HasHostname: true } h ? h.Hostname
            : info.HasHostname ? info.Hostname
            : info.Ip != 0 ? new System.Net.IPAddress(info.Ip).ToString()
            : throw new FormatException("MasterInfo names no address, hostname or ip");
        return new MasterEndpoint(host, port);
    }

    /// <summary>The JSON a master writes (for the local Mesos, which registers itself the same way).</summary>
    public static byte[] Format(MasterInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (info.Address is { } address)
            {
                writer.WriteStartObject("address");
                if (address.HasHostname)
                {
                    writer.WriteString("hostname", address.Hostname);
                }

                if (address.HasIp)
                {
                    writer.WriteString("ip", address.Ip);
                }

                writer.WriteNumber("port", address.Port);
                writer.WriteEndObject();
            }

            if (info.HasHostname)
            {
                writer.WriteString("hostname", info.Hostname);
            }

            writer.WriteString("id", info.Id);
            writer.WriteNumber("ip", info.Ip);
            if (info.HasPid)
            {
                writer.WriteString("pid", info.Pid);
            }

            writer.WriteNumber("port", info.Port);
            if (info.HasVersion)
            {
                writer.WriteString("version", info.Version);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string? String(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new FormatException($"MasterInfo '{name}' is a JSON {value.ValueKind}, not a string");
    }

    private static long? Number(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number is >= 0 and <= uint.MaxValue
            ? number
            : throw new FormatException($"MasterInfo '{name}' is not a number from 0 to {uint.MaxValue}");
    }
}
