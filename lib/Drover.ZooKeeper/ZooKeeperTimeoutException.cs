namespace Drover.ZooKeeper;

/// <summary>Which of the connection's clocks ran out.</summary>
public enum TimeoutKind
{
    /// <summary>No session was established within the connect timeout (a share of the session timeout per server).</summary>
    Handshake,

    /// <summary>Nothing was heard from the server for the read timeout, two thirds of the session timeout.</summary>
    ServerSilent,

    /// <summary>The oldest request was left unanswered past <see cref="ZooKeeperClientOptions.RequestTimeout"/>.</summary>
    RequestUnanswered,
}

/// <summary>
/// A connection was given up because a clock ran out (<see cref="Kind"/>, after <see cref="Limit"/>).
/// Callers see it as the inner exception of a <see cref="ConnectionLossException"/> or in
/// <see cref="ZooKeeperClient.LastConnectionError"/>; the client reconnects.
/// </summary>
public sealed class ZooKeeperTimeoutException : TimeoutException
{
    public ZooKeeperTimeoutException()
    {
    }

    public ZooKeeperTimeoutException(string message)
        : base(message)
    {
    }

    public ZooKeeperTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ZooKeeperTimeoutException(TimeoutKind kind, TimeSpan limit, string message)
        : base(message)
    {
        Kind = kind;
        Limit = limit;
    }

    public TimeoutKind Kind { get; }

    /// <summary>The timeout that ran out.</summary>
    public TimeSpan Limit { get; }
}
