using System.Collections.Immutable;

namespace Drover.Epmd;

/// <summary>
/// One Erlang node's registration: what its ALIVE2_REQ said, the creation it was given, and the host it
/// belongs to.
/// </summary>
/// <param name="Name">The node's short name (the part before <c>@</c>), as UTF-8 text; compared ordinally.</param>
/// <param name="Port">The node's distribution listen port.</param>
/// <param name="NodeType">77 normal, 72 hidden.</param>
/// <param name="Protocol">0 = TCP/IPv4 (the only value OTP sends).</param>
/// <param name="HighestVersion">Highest distribution version the node speaks (6 from OTP 23, 5 before).</param>
/// <param name="LowestVersion">Lowest distribution version the node speaks.</param>
/// <param name="Extra">The opaque extra field, returned unchanged in PORT2_RESP.</param>
/// <param name="Creation">
/// The creation the registry gave this incarnation (see <see cref="EpmdCreation"/>); ignored on input to
/// <see cref="IEpmdRegistry.TryRegisterAsync"/>.
/// </param>
/// <param name="Host">
/// The host whose node name this registration belongs to (the <c>host</c> of <c>name@host</c>, as the
/// registering server's <see cref="EpmdServerOptions.Host"/> says); null when servers are not told their
/// host, which makes every server sharing a registry one namespace. An Erlang node asks the EPMD of the
/// host in a node's name, so a server answers only for registrations of its own host.
/// </param>
public sealed record NodeRegistration(
    string Name,
    ushort Port,
    EpmdNodeType NodeType,
    byte Protocol,
    ushort HighestVersion,
    ushort LowestVersion,
    ImmutableArray<byte> Extra,
    uint Creation = 0,
    string? Host = null)
{
    /// <summary>Extra bytes, never default: an empty array when the node sent none.</summary>
    public ImmutableArray<byte> Extra { get; init; } = Extra.IsDefault ? ImmutableArray<byte>.Empty : Extra;

    /// <summary>True when this registration belongs to <paramref name="host"/> (host names compare case-insensitively).</summary>
    public bool IsOnHost(string? host) => HostsEqual(Host, host);

    internal static bool HostsEqual(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
