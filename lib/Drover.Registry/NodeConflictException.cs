using System.Globalization;

namespace Drover.Registry;

/// <summary>
/// The node's endpoint record exists and belongs to another ZooKeeper session: another executor (or
/// an earlier incarnation of this one whose session has not expired yet) holds the name.
/// </summary>
public sealed class NodeConflictException : Exception
{
    public NodeConflictException()
    {
    }

    public NodeConflictException(string message)
        : base(message)
    {
    }

    public NodeConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public NodeConflictException(string path, long ownerSessionId, TimeSpan waited)
        : base(waited > TimeSpan.Zero
            ? string.Create(CultureInfo.InvariantCulture, $"The node {path} belongs to session 0x{ownerSessionId:x}, not ours; still there after {waited.TotalSeconds:0.#} s.")
            : string.Create(CultureInfo.InvariantCulture, $"The node {path} belongs to session 0x{ownerSessionId:x}, not ours; waiting for it to go."))
    {
        Path = path;
        OwnerSessionId = ownerSessionId;
    }

    public string? Path { get; }

    /// <summary>The session that owns the ephemeral node.</summary>
    public long OwnerSessionId { get; }
}
