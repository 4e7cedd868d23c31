namespace Drover.ZooKeeper;

/// <summary>
/// The peer sent bytes that do not follow the ZooKeeper wire protocol: a frame longer than the
/// packet limit, a record cut short, a reply for a request that was never sent. The connection that
/// carried them is dropped; callers see it as the inner exception of a
/// <see cref="ConnectionLossException"/>.
/// </summary>
public sealed class ZooKeeperProtocolException : Exception
{
    public ZooKeeperProtocolException()
    {
    }

    public ZooKeeperProtocolException(string message)
        : base(message)
    {
    }

    public ZooKeeperProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
