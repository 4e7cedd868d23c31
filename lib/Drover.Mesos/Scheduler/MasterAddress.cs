using System.Globalization;

namespace Drover.Mesos.Scheduler;

/// <summary>One master's HTTP address.</summary>
public sealed record MasterEndpoint(string Host, int Port)
{
    /// <summary>http://host:port/api/v1/scheduler</summary>
    public Uri SchedulerUri => new($"http://{HostForUri}:{Port.ToString(CultureInfo.InvariantCulture)}{SchedulerClient.ApiPath}");

    private string HostForUri => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;

    public override string ToString() => $"{HostForUri}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>"host:port" (a bare host takes Mesos' default master port, 5050).</summary>
    public static MasterEndpoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim();
        if (value.Length == 0)
        {
            throw new FormatException("an empty master address");
        }

        string host;
        var portText = "";
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new FormatException($"master address '{text}': unclosed '[' of an IPv6 address");
            }

            host = value[1..close];
            var rest = value[(close + 1)..];
            if (rest.Length > 0)
            {
                portText = rest.StartsWith(':') ? rest[1..] : throw new FormatException($"master address '{text}': expected ':port' after ']'");
            }
        }
        else
        {
            var colon = value.LastIndexOf(':');
            host = colon < 0 ? value : value[..colon];
            portText = colon < 0 ? "" : value[(colon + 1)..];
        }

        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || c is '/' or '@' or '?' or '#'))
        {
            throw new FormatException($"master address '{text}': '{host}' is not a host name or IP address");
        }

        var port = MasterAddress.DefaultMasterPort;
        if (portText.Length > 0
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new FormatException($"master address '{text}': port '{portText}' is not a number from 1 to 65535");
        }

        return new MasterEndpoint(host, port);
    }
}

/// <summary>
/// Where the masters are, as operators write it for Mesos itself (the agent's and frameworks' <c>--master</c>):
/// a comma-separated <c>host:port</c> list, tried in turn (any of them redirects to the leader), or
/// <c>zk://h1:2181,h2:2181/mesos</c>, where the leading master is the <c>json.info_</c> znode with the lowest
/// sequence number under that path. A ZooKeeper URL may carry <c>user:password@</c> for a digest.
/// </summary>
public sealed record MasterAddress
{
    /// <summary>Mesos' default master port.</summary>
    public const int DefaultMasterPort = 5050;

    private MasterAddress(IReadOnlyList<MasterEndpoint> endpoints, string? zooKeeperServers, string? zooKeeperPath, string? zooKeeperCredentials)
    {
        Endpoints = endpoints;
        ZooKeeperServers = zooKeeperServers;
        ZooKeeperPath = zooKeeperPath;
        ZooKeeperCredentials = zooKeeperCredentials;
    }

    /// <summary>The listed masters (empty for a ZooKeeper address).</summary>
    public IReadOnlyList<MasterEndpoint> Endpoints { get; }

    /// <summary>The ZooKeeper connect string without a chroot ("h1:2181,h2:2181"), or null.</summary>
    public string? ZooKeeperServers { get; }

    /// <summary>The znode under which masters register ("/mesos"), or null.</summary>
    public string? ZooKeeperPath { get; }

    /// <summary>"user:password" of a ZooKeeper digest, or null.</summary>
    public string? ZooKeeperCredentials { get; }

    public bool IsZooKeeper => ZooKeeperServers is not null;

    public static MasterAddress Of(params MasterEndpoint[] endpoints)
    {
        if (endpoints.Length == 0)
        {
            throw new ArgumentException("at least one master", nameof(endpoints));
        }

        return new MasterAddress(endpoints, null, null, null);
    }

    /// <summary>Parses "h1:5050,h2:5050" or "zk://[user:password@]h1:2181,h2:2181/mesos"; a clear <see cref="FormatException"/> otherwise.</summary>
    public static MasterAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = text.Trim();
        if (value.StartsWith("zk://", StringComparison.OrdinalIgnoreCase))
        {
            return ParseZooKeeper(value, text);
        }

        if (value.Contains("://", StringComparison.Ordinal))
        {
            throw new FormatException($"master '{text}': expected 'host:port[,host:port...]' or 'zk://host:port[,...]/path'");
        }

        var endpoints = value.Split(',', StringSplitOptions.TrimEntries).Select(MasterEndpoint.Parse).ToArray();
        return new MasterAddress(endpoints, null, null, null);
    }

    public override string ToString() => IsZooKeeper
        ? $"zk://{(ZooKeeperCredentials is null ? "" : "<credentials>@")}{ZooKeeperServers}{ZooKeeperPath}"
        : string.Join(',', Endpoints);

    private static MasterAddress ParseZooKeeper(string value, string text)
    {
        var rest = value["zk://".Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || slash == rest.Length - 1)
        {
            throw new FormatException($"master '{text}': a ZooKeeper address needs a path, as in zk://h1:2181,h2:2181/mesos");
        }

        var authority = rest[..slash];
        var path = rest[slash..].TrimEnd('/');
        string? credentials = null;
        var at = authority.LastIndexOf('@');
        if (at >= 0)
        {
            credentials = authority[..at];
            authority = authority[(at + 1)..];
            if (!credentials.Contains(':', StringComparison.Ordinal))
            {
                throw new FormatException($"master '{text}': ZooKeeper credentials must be 'user:password'");
            }
        }

        if (authority.Length == 0)
        {
            throw new FormatException($"master '{text}': no ZooKeeper server before the path");
        }

        foreach (var server in authority.Split(','))
        {
            // Validates each host:port the same way as a master's (the default port is irrelevant: ZooKeeper's client adds 2181).
            _ = MasterEndpoint.Parse(server);
        }

        if (path.Contains("//", StringComparison.Ordinal) || path.Any(char.IsWhiteSpace))
        {
            throw new FormatException($"master '{text}': '{path}' is not a ZooKeeper path");
        }

        return new MasterAddress([], authority, path, credentials);
    }
}
