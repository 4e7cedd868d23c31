namespace Drover.Epmd.Protocol;

/// <summary>
/// Message tags of the EPMD protocol (<c>erts/epmd/src/epmd.h</c>): the first byte of a request body
/// and of most responses.
/// </summary>
public static class EpmdTags
{
    /// <summary><c>'d'</c>: dump every registration, active and retired (epmd <c>-dump</c>). Local peers only.</summary>
    public const byte DumpRequest = 100;

    /// <summary><c>'k'</c>: stop the daemon (epmd <c>-kill</c>). Local peers only.</summary>
    public const byte KillRequest = 107;

    /// <summary><c>'n'</c>: list the registered names and their ports.</summary>
    public const byte NamesRequest = 110;

    /// <summary><c>'s'</c>: forcibly unregister a name (epmd <c>-stop</c>). Local peers only, and only when relaxed.</summary>
    public const byte StopRequest = 115;

    /// <summary><c>'v'</c>: answer to <see cref="Alive2Request"/> for nodes whose highest version is 6 or more: 32-bit creation.</summary>
    public const byte Alive2ExtendedResponse = 118;

    /// <summary><c>'w'</c>: answer to <see cref="PortPlease2Request"/>.</summary>
    public const byte Port2Response = 119;

    /// <summary><c>'x'</c>: register a node; the connection then lives as long as the registration.</summary>
    public const byte Alive2Request = 120;

    /// <summary><c>'y'</c>: answer to <see cref="Alive2Request"/> for old nodes (highest version below 6): 16-bit creation.</summary>
    public const byte Alive2Response = 121;

    /// <summary><c>'z'</c>: ask for the distribution port of a node by its short name.</summary>
    public const byte PortPlease2Request = 122;
}
