using System.Globalization;
using System.Net;

namespace Drover.Scheduler.Api;

/// <summary>
/// Where the operator API listens, from its flag: <c>127.0.0.1:8090</c>, <c>[::1]:8090</c>, <c>localhost:8090</c>
/// (127.0.0.1), <c>0.0.0.0:8090</c>, <c>[::]:8090</c> or <c>*:8090</c> (every IPv4 and IPv6 address). Port 0 picks a
/// free port (tests). Host names other than localhost are refused: an operator names an address, not a lookup.
/// </summary>
public sealed record ListenAddress(IPAddress Address, int Port)
{
    public const int DefaultPort = 8090;

    /// <summary>Whether only this machine can connect (127.0.0.0/8, ::1).</summary>
    public bool IsLoopback => IPAddress.IsLoopback(Address);

    public IPEndPoint EndPoint => new(Address, Port);

    public static ListenAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new FormatException($"'{text}' is not a listen address: host:port, e.g. 127.0.0.1:{DefaultPort} or 0.0.0.0:{DefaultPort}");
        }

        var host = text[..colon];
        if (host is "" or "*")
        {
            return new ListenAddress(IPAddress.IPv6Any, port);
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new ListenAddress(IPAddress.Loopback, port);
        }

        var literal = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (!IPAddress.TryParse(literal, out var address) || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && literal == host))
        {
            throw new FormatException($"'{text}' is not a listen address: the host must be an IP address (IPv6 in brackets), localhost or *");
        }

        return new ListenAddress(address, port);
    }

    public override string ToString() => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
        ? $"[{Address}]:{Port}"
        : $"{Address}:{Port}";
}
