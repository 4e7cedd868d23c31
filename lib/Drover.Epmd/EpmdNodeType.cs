namespace Drover.Epmd;

/// <summary>
/// The node type byte of ALIVE2_REQ and PORT2_RESP. epmd stores and returns whatever byte a node sends,
/// so values other than these two survive unchanged.
/// </summary>
#pragma warning disable CA1028 // The wire field is one byte.
public enum EpmdNodeType : byte
#pragma warning restore CA1028
{
    /// <summary><c>'H'</c>: a hidden node (started with <c>-hidden</c>, or a C node).</summary>
    Hidden = 72,

    /// <summary><c>'M'</c>: a normal Erlang node.</summary>
    Normal = 77,
}
