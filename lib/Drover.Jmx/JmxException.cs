namespace Drover.Jmx;

/// <summary>A JMX request through the helper failed. The subclasses say how.</summary>
public class JmxException : Exception
{
    public JmxException(string message)
        : base(message)
    {
    }

    public JmxException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    public JmxException()
    {
    }
}

/// <summary>
/// The helper answered, with an error from the JMX side (no such MBean or attribute, connection refused,
/// authentication failed, the operation threw). The helper itself is fine and stays up.
/// </summary>
public sealed class JmxRemoteException : JmxException
{
    public JmxRemoteException(string message)
        : base(message)
    {
    }

    public JmxRemoteException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    public JmxRemoteException()
    {
    }
}

/// <summary>No reply within the request timeout. The helper was killed (a hung JMX call wedges it) and is
/// started again on the next request. The inner exception is a <see cref="TimeoutException"/>.</summary>
public sealed class JmxTimeoutException : JmxException
{
    public JmxTimeoutException(string message)
        : base(message, new TimeoutException(message))
    {
    }

    public JmxTimeoutException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    public JmxTimeoutException()
    {
    }
}

/// <summary>
/// The helper process could not be started, exited, or broke the protocol (a malformed or oversized line);
/// it is (re)started on a later request, after a backoff when it keeps failing.
/// </summary>
public sealed class JmxHelperFailedException : JmxException
{
    public JmxHelperFailedException(string message)
        : base(message)
    {
    }

    public JmxHelperFailedException(string message, Exception? inner)
        : base(message, inner)
    {
    }

    public JmxHelperFailedException()
    {
    }
}
