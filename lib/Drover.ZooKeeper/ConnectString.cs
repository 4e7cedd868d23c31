using System.Globalization;

namespace Drover.ZooKeeper;

/// <summary>One server of a connect string.</summary>
public sealed record ServerAddress(string Host, int Port)
{
    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// Parses "host1:port1,host2:port2[/chroot]" as ConnectStringParser does: hosts without a port get
/// 2181, IPv6 addresses are written in brackets, and a chroot of "/" means none. The form
/// "exhibitor:http://host1:8080,host2:8080[/chroot]" names Exhibitor instances instead, which the
/// client polls for the ensemble's servers (see <see cref="Exhibitors"/>).
/// </summary>
public sealed class ConnectString
{
    public const int DefaultPort = 2181;

    /// <summary>Exhibitor's own default REST port, for Exhibitor hosts given without one.</summary>
    public const int DefaultExhibitorPort = 8080;

    public const string ExhibitorPrefix = "exhibitor:";

    private const string HttpScheme = "http://";

    private ConnectString(IReadOnlyList<ServerAddress> servers, IReadOnlyList<ServerAddress> exhibitors, string? chroot)
    {
        Servers = servers;
        Exhibitors = exhibitors;
        ChrootPath = chroot;
    }

    /// <summary>The ZooKeeper servers; empty for the Exhibitor form, where they come from Exhibitor.</summary>
    public IReadOnlyList<ServerAddress> Servers { get; }

    /// <summary>The Exhibitor instances of an "exhibitor:http://..." connect string; empty otherwise.</summary>
    public IReadOnlyList<ServerAddress> Exhibitors { get; }

    public bool IsExhibitor => Exhibitors.Count > 0;

    /// <summary>The chroot, or null for none.</summary>
    public string? ChrootPath { get; }

    public static ConnectString Parse(string connectString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectString);
        var isExhibitor = connectString.StartsWith(ExhibitorPrefix, StringComparison.OrdinalIgnoreCase);
        var rest = connectString;
        if (isExhibitor)
        {
            rest = connectString[ExhibitorPrefix.Length..];
            if (!rest.StartsWith(HttpScheme, StringComparison.OrdinalIgnoreCase))
            {
                throw Invalid(connectString, "an Exhibitor connect string is \"exhibitor:http://host:port[,host:port...][/chroot]\" (http only)");
            }
            rest = rest[HttpScheme.Length..];
        }
        string? chroot = null;
        var hosts = rest;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            chroot = Chroot.Of(rest[slash..]).Root;
            hosts = rest[..slash];
        }
        var addresses = new List<ServerAddress>();
        foreach (var part in hosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            addresses.Add(ParseServer(part, connectString, isExhibitor ? DefaultExhibitorPort : DefaultPort));
        }
        if (addresses.Count == 0)
        {
            throw new ArgumentException($"The connect string \"{connectString}\" names no {(isExhibitor ? "Exhibitor" : "server")}.", nameof(connectString));
        }
        return isExhibitor ? new ConnectString([], addresses, chroot) : new ConnectString(addresses, [], chroot);
    }

    private static ServerAddress ParseServer(string part, string whole, int defaultPort)
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
        return new ServerAddress(host, port is null ? defaultPort : ParsePort(port, part, whole));
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
