namespace Drover.ZooKeeper;

/// <summary>Why one Exhibitor instance gave no usable list of servers.</summary>
public enum ExhibitorErrorKind
{
    /// <summary>No connection, or it broke before the answer was complete.</summary>
    Unreachable,

    /// <summary>No complete answer within <see cref="ZooKeeperClientOptions.ExhibitorRequestTimeout"/>.</summary>
    Timeout,

    /// <summary>An HTTP status other than 2xx.</summary>
    HttpStatus,

    /// <summary>An answer longer than <see cref="Exhibitor.ExhibitorList.MaxResponseBytes"/>.</summary>
    TooLarge,

    /// <summary>Not JSON, or JSON without the expected shape: <c>{"servers":["host",...],"port":2181}</c>.</summary>
    Malformed,

    /// <summary>Well-formed, but naming no server.</summary>
    EmptyList,
}

/// <summary>
/// One Exhibitor instance did not give a usable list of ZooKeeper servers. The client keeps the list it
/// knows and asks again at the next poll; see <see cref="ZooKeeperClient.LastEnsembleError"/>.
/// </summary>
public sealed class ExhibitorException : Exception
{
    public ExhibitorException()
    {
    }

    public ExhibitorException(string message)
        : base(message)
    {
    }

    public ExhibitorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ExhibitorException(ExhibitorErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
    }

    public ExhibitorErrorKind Kind { get; }
}

/// <summary>
/// The reason a connection was dropped when Exhibitor's list of servers stopped naming the server it was
/// connected to; the client reconnects to a listed server with the same session.
/// </summary>
public sealed class EnsembleChangedException : Exception
{
    public EnsembleChangedException()
    {
    }

    public EnsembleChangedException(string message)
        : base(message)
    {
    }

    public EnsembleChangedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
