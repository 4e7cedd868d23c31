namespace Drover.Epmd.Protocol;

/// <summary>
/// The bounds epmd itself applies (<c>erts/epmd/src/epmd_int.h</c>, OTP 25), so that a request epmd
/// refuses is refused here too, byte for byte.
/// </summary>
public static class EpmdLimits
{
    /// <summary><c>MAXSYMLEN</c>: a node name or an extra field holds at most 255 UTF-8 characters of up to 4 bytes.</summary>
    public const int MaxSymbolBytes = 255 * 4;

    /// <summary>A node name has at most 255 characters (an atom).</summary>
    public const int MaxNameCharacters = 255;

    /// <summary><c>INBUF_SIZE</c>: epmd's per-connection input buffer.</summary>
    public const int InputBufferSize = 3 * MaxSymbolBytes;

    /// <summary>
    /// The largest length a request header may declare: epmd closes the connection when
    /// <c>length + 2 &gt;= INBUF_SIZE</c>.
    /// </summary>
    public const int MaxRequestLength = InputBufferSize - 3;

    /// <summary>The smallest declared length epmd accepts: a request is at least its tag.</summary>
    public const int MinRequestLength = 1;

    /// <summary>
    /// How much epmd asks the socket for while the length is still unknown (<c>INBUF_SIZE - 1</c>); once the
    /// length is known it asks for exactly the rest of the frame.
    /// </summary>
    public const int FirstReadSize = InputBufferSize - 1;

    /// <summary><c>CLOSE_TIMEOUT</c>: seconds a connection that is not a registration may stay silent.</summary>
    public const int CloseTimeoutSeconds = 60;

    /// <summary><c>MAX_UNREG_COUNT</c>: how many unregistered names epmd remembers (for creation numbers and DUMP).</summary>
    public const int MaxRetiredNames = 1000;

    /// <summary>The creation epmd puts in a refused ALIVE2 answer.</summary>
    public const uint RefusedCreation = 99;

    /// <summary>The lowest distribution version that gets <see cref="EpmdTags.Alive2ExtendedResponse"/> (OTP 23 and later).</summary>
    public const ushort ExtendedCreationVersion = 6;
}
