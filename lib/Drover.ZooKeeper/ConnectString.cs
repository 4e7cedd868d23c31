using System.Globalization;

namespace Drover.ZooKeeper;

/// <summary>One server of a connect string.</summary>
public sealed record ServerAddress(string Host, int Port)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// Parses "host1:port1,host2:port2[/chroot]" as ConnectStringParser does: hosts without a port get
/// 2181, IPv6 addresses are written in brackets, and a chroot of "/" means none.
/// </summary>
public sealed class ConnectString
{
    public const int DefaultPort = 2181;

    private ConnectString(IReadOnlyList<ServerAddress> servers, string? chroot)
    {
        Servers = servers;
        ChrootPath = chroot;
    }

    public IReadOnlyList<ServerAddress> Servers { get; }

    /// <summary>The chroot, or null for none.</summary>
    public string? ChrootPath { get; }

    public static ConnectString Parse(string connectString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectString);
        string? chroot = null;
        var hosts = connectString;
        var slash = connectString.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            chroot = Chroot.Of(connectString[slash..]).Root;
            hosts = connectString[..slash];
        }
        var servers = new List<ServerAddress>();
        foreach (var part in hosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            servers.Add(ParseServer(part, connectString));
        }
        if (servers.Count == 0)
        {
            throw new ArgumentException($"The connect string \"{connectString}\" names no server.", nameof(connectString));
        }
        return new ConnectString(servers, chroot);
    }

    private static ServerAddress ParseServer(string part, string whole)
    {
        string host;
        string? port = null;
        if (part.StartsWith('['))
        {
            var close = part.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Invalid(whole, $"'{part}' opens '[' without closing it");
            }
            host = part[1..close];
            var rest = part[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    throw Invalid(whole, $"'{part}' has text after ']' that is not ':port'");
                }
                port = rest[1..];
            }
        }
        else
        {
            var colon = part.LastIndexOf(':');
            host = colon < 0 ? part : part[..colon];
            port = colon < 0 ? null : part[(colon + 1)..];
        }
        if (host.Length == 0)
        {
            throw Invalid(whole, $"'{part}' has an empty host");
        }
        return new ServerAddress(host, port is null ? DefaultPort : ParsePort(port, part, whole));
    }

    private static int ParsePort(string text, string part, string whole)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw Invalid(whole, $"'{part}' has port '{text}', not a number from 1 to 65535");
        }
        return port;
    }

    private static ArgumentException Invalid(string whole, string problem) =>
        new($"Invalid connect string \"{whole}\": {problem}.", "connectString");
}
