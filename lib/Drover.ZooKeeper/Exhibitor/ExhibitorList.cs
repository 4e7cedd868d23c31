using System.Text.Json;

namespace Drover.ZooKeeper.Exhibitor;

/// <summary>
/// Exhibitor's answer to <c>GET /exhibitor/v1/cluster/list</c>: <c>{"servers":["zk1","zk2"],"port":2181}</c>,
/// the hosts of the ensemble and their common client port. A pure function over the whole body (already
/// bounded by the reader): anything but that shape is an <see cref="ExhibitorException"/>, never another
/// exception. Unknown members are skipped; <c>servers</c> entries must be host names or IP addresses.
/// </summary>
internal static class ExhibitorList
{
    public const string Path = "/exhibitor/v1/cluster/list";

    /// <summary>A list of 64 host names of 253 characters fits with room to spare.</summary>
    public const int MaxResponseBytes = 64 * 1024;

    /// <summary>ZooKeeper ensembles have a handful of voters; more than this is not an ensemble list.</summary>
    public const int MaxServers = 64;

    /// <summary>The longest DNS name.</summary>
    public const int MaxHostLength = 253;

    private static readonly JsonReaderOptions Options = new() { MaxDepth = 8, CommentHandling = JsonCommentHandling.Disallow };

    public static IReadOnlyList<ServerAddress> Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            return ParseObject(body);
        }
        catch (JsonException e)
        {
            throw Malformed($"the answer is not valid JSON ({e.Message})");
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader's accessors throw this for a token of another type; we check types first, so
            // this is a guard, not a path we expect.
            throw Malformed($"the answer is not valid JSON ({e.Message})");
        }
    }

    private static List<ServerAddress> ParseObject(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, Options);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Malformed("the answer is not a JSON object");
        }
        List<string>? hosts = null;
        int? port = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("servers"u8))
            {
                reader.Read();
                hosts = ReadHosts(ref reader);
            }
            else if (reader.ValueTextEquals("port"u8))
            {
                reader.Read();
                port = ReadPort(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        // A complete object, and nothing but white space after it (Read throws on anything else).
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            throw Malformed("the answer is not a single JSON object");
        }
        if (hosts is null || port is null)
        {
            throw Malformed($"the answer lacks {(hosts is null ? "\"servers\"" : "\"port\"")}");
        }
        if (hosts.Count == 0)
        {
            throw new ExhibitorException(ExhibitorErrorKind.EmptyList, "Exhibitor lists no server.");
        }
        return [.. hosts.Select(h => new ServerAddress(h, port.Value))];
    }

    private static List<string> ReadHosts(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Malformed($"\"servers\" is a {reader.TokenType}, not an array");
        }
        var hosts = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw Malformed($"\"servers\" holds a {reader.TokenType}, not a host name");
            }
            if (hosts.Count == MaxServers)
            {
                throw Malformed($"\"servers\" lists more than {MaxServers} hosts");
            }
            var host = reader.GetString()!;
            if (!IsHost(host))
            {
                throw Malformed($"\"servers\" holds \"{Shorten(host)}\", not a host name or IP address");
            }
            if (!hosts.Contains(host, StringComparer.OrdinalIgnoreCase))
            {
                hosts.Add(host);
            }
        }
        return hosts;
    }

    private static int ReadPort(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var port) || port is < 1 or > 65535)
        {
            throw Malformed("\"port\" is not a number from 1 to 65535");
        }
        return port;
    }

    /// <summary>Letters, digits, '.', '-', '_' (names and IPv4), ':' (IPv6); nothing that could split a connect string.</summary>
    private static bool IsHost(string host) =>
        host.Length is > 0 and <= MaxHostLength
        && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':');

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "...";

    private static ExhibitorException Malformed(string problem) => new(ExhibitorErrorKind.Malformed, $"Exhibitor's answer is malformed: {problem}.");
}
