namespace Drover.ZooKeeper;

/// <summary>
/// An error of a ZooKeeper operation, typed by its <see cref="KeeperErrorCode"/> as in the official
/// client (KeeperException and its subclasses). Use <see cref="Create"/> to map a code to its type.
/// </summary>
public class KeeperException : Exception
{
    public KeeperException()
        : this(KeeperErrorCode.SystemError, null, null, null)
    {
    }

    public KeeperException(string message)
        : this(KeeperErrorCode.SystemError, null, message, null)
    {
    }

    public KeeperException(string message, Exception innerException)
        : this(KeeperErrorCode.SystemError, null, message, innerException)
    {
    }

    public KeeperException(KeeperErrorCode code, string? path = null, string? message = null, Exception? innerException = null)
        : base(message ?? DefaultMessage(code, path), innerException)
    {
        Code = code;
        Path = path;
    }

    /// <summary>The error code the server (or the client, for connection errors) reported.</summary>
    public KeeperErrorCode Code { get; }

    /// <summary>The path of the failing operation, as the caller gave it, when there is one.</summary>
    public string? Path { get; }

    /// <summary>For a failed <see cref="ZooKeeperClient.MultiAsync"/>: the result of every operation (all rolled back).</summary>
    public IReadOnlyList<OpResult>? MultiResults { get; internal set; }

    /// <summary>The typed exception for <paramref name="code"/>.</summary>
    public static KeeperException Create(KeeperErrorCode code, string? path = null, string? message = null, Exception? innerException = null) => code switch
    {
        KeeperErrorCode.SystemError => new SystemErrorException(path, message, innerException),
        KeeperErrorCode.RuntimeInconsistency => new RuntimeInconsistencyException(path, message, innerException),
        KeeperErrorCode.DataInconsistency => new DataInconsistencyException(path, message, innerException),
        KeeperErrorCode.ConnectionLoss => new ConnectionLossException(path, message, innerException),
        KeeperErrorCode.MarshallingError => new MarshallingErrorException(path, message, innerException),
        KeeperErrorCode.Unimplemented => new UnimplementedException(path, message, innerException),
        KeeperErrorCode.OperationTimeout => new OperationTimeoutException(path, message, innerException),
        KeeperErrorCode.BadArguments => new BadArgumentsException(path, message, innerException),
        KeeperErrorCode.UnknownSession => new UnknownSessionException(path, message, innerException),
        KeeperErrorCode.NewConfigNoQuorum => new NewConfigNoQuorumException(path, message, innerException),
        KeeperErrorCode.ReconfigInProgress => new ReconfigInProgressException(path, message, innerException),
        KeeperErrorCode.ApiError => new ApiErrorException(path, message, innerException),
        KeeperErrorCode.NoNode => new NoNodeException(path, message, innerException),
        KeeperErrorCode.NoAuth => new NoAuthException(path, message, innerException),
        KeeperErrorCode.BadVersion => new BadVersionException(path, message, innerException),
        KeeperErrorCode.NoChildrenForEphemerals => new NoChildrenForEphemeralsException(path, message, innerException),
        KeeperErrorCode.NodeExists => new NodeExistsException(path, message, innerException),
        KeeperErrorCode.NotEmpty => new NotEmptyException(path, message, innerException),
        KeeperErrorCode.SessionExpired => new SessionExpiredException(path, message, innerException),
        KeeperErrorCode.InvalidCallback => new InvalidCallbackException(path, message, innerException),
        KeeperErrorCode.InvalidAcl => new InvalidAclException(path, message, innerException),
        KeeperErrorCode.AuthFailed => new AuthFailedException(path, message, innerException),
        KeeperErrorCode.SessionMoved => new SessionMovedException(path, message, innerException),
        KeeperErrorCode.NotReadOnly => new NotReadOnlyException(path, message, innerException),
        KeeperErrorCode.EphemeralOnLocalSession => new EphemeralOnLocalSessionException(path, message, innerException),
        KeeperErrorCode.NoWatcher => new NoWatcherException(path, message, innerException),
        KeeperErrorCode.RequestTimeout => new RequestTimeoutException(path, message, innerException),
        KeeperErrorCode.ReconfigDisabled => new ReconfigDisabledException(path, message, innerException),
        KeeperErrorCode.SessionClosedRequireSaslAuth => new SessionClosedRequireSaslAuthException(path, message, innerException),
        KeeperErrorCode.QuotaExceeded => new QuotaExceededException(path, message, innerException),
        KeeperErrorCode.ThrottledOp => new ThrottledOpException(path, message, innerException),
        KeeperErrorCode.Ok => throw new ArgumentException("Ok is not an error.", nameof(code)),
        _ => new KeeperException(code, path, message, innerException),
    };

    private static string DefaultMessage(KeeperErrorCode code, string? path)
    {
        var name = Enum.IsDefined(code) ? code.ToString() : $"unknown error {(int)code}";
        return path is null ? $"KeeperErrorCode = {name}" : $"KeeperErrorCode = {name} for {path}";
    }
}

/// <summary>A server error not covered by another code.</summary>
public sealed class SystemErrorException : KeeperException
{
    public SystemErrorException()
        : this(null, null, null)
    {
    }

    public SystemErrorException(string message)
        : this(null, message, null)
    {
    }

    public SystemErrorException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public SystemErrorException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.SystemError, path, message, innerException)
    {
    }
}

/// <summary>A runtime inconsistency; in a multi, the operations after the failing one report it.</summary>
public sealed class RuntimeInconsistencyException : KeeperException
{
    public RuntimeInconsistencyException()
        : this(null, null, null)
    {
    }

    public RuntimeInconsistencyException(string message)
        : this(null, message, null)
    {
    }

    public RuntimeInconsistencyException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public RuntimeInconsistencyException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.RuntimeInconsistency, path, message, innerException)
    {
    }
}

/// <summary>A data inconsistency was found.</summary>
public sealed class DataInconsistencyException : KeeperException
{
    public DataInconsistencyException()
        : this(null, null, null)
    {
    }

    public DataInconsistencyException(string message)
        : this(null, message, null)
    {
    }

    public DataInconsistencyException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public DataInconsistencyException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.DataInconsistency, path, message, innerException)
    {
    }
}

/// <summary>The connection to the server was lost before the reply arrived. The request may or may not have been applied; the session may still be alive, and the caller may retry.</summary>
public sealed class ConnectionLossException : KeeperException
{
    public ConnectionLossException()
        : this(null, null, null)
    {
    }

    public ConnectionLossException(string message)
        : this(null, message, null)
    {
    }

    public ConnectionLossException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public ConnectionLossException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.ConnectionLoss, path, message, innerException)
    {
    }
}

/// <summary>A request or reply could not be encoded or decoded (including a request larger than the packet limit).</summary>
public sealed class MarshallingErrorException : KeeperException
{
    public MarshallingErrorException()
        : this(null, null, null)
    {
    }

    public MarshallingErrorException(string message)
        : this(null, message, null)
    {
    }

    public MarshallingErrorException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public MarshallingErrorException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.MarshallingError, path, message, innerException)
    {
    }
}

/// <summary>The operation is not implemented by the server.</summary>
public sealed class UnimplementedException : KeeperException
{
    public UnimplementedException()
        : this(null, null, null)
    {
    }

    public UnimplementedException(string message)
        : this(null, message, null)
    {
    }

    public UnimplementedException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public UnimplementedException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.Unimplemented, path, message, innerException)
    {
    }
}

/// <summary>The operation timed out.</summary>
public sealed class OperationTimeoutException : KeeperException
{
    public OperationTimeoutException()
        : this(null, null, null)
    {
    }

    public OperationTimeoutException(string message)
        : this(null, message, null)
    {
    }

    public OperationTimeoutException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public OperationTimeoutException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.OperationTimeout, path, message, innerException)
    {
    }
}

/// <summary>Invalid arguments.</summary>
public sealed class BadArgumentsException : KeeperException
{
    public BadArgumentsException()
        : this(null, null, null)
    {
    }

    public BadArgumentsException(string message)
        : this(null, message, null)
    {
    }

    public BadArgumentsException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public BadArgumentsException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.BadArguments, path, message, innerException)
    {
    }
}

/// <summary>The session is unknown to the server.</summary>
public sealed class UnknownSessionException : KeeperException
{
    public UnknownSessionException()
        : this(null, null, null)
    {
    }

    public UnknownSessionException(string message)
        : this(null, message, null)
    {
    }

    public UnknownSessionException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public UnknownSessionException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.UnknownSession, path, message, innerException)
    {
    }
}

/// <summary>No quorum of the new configuration is connected and up-to-date with the leader.</summary>
public sealed class NewConfigNoQuorumException : KeeperException
{
    public NewConfigNoQuorumException()
        : this(null, null, null)
    {
    }

    public NewConfigNoQuorumException(string message)
        : this(null, message, null)
    {
    }

    public NewConfigNoQuorumException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public NewConfigNoQuorumException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.NewConfigNoQuorum, path, message, innerException)
    {
    }
}

/// <summary>Another reconfiguration is in progress.</summary>
public sealed class ReconfigInProgressException : KeeperException
{
    public ReconfigInProgressException()
        : this(null, null, null)
    {
    }

    public ReconfigInProgressException(string message)
        : this(null, message, null)
    {
    }

    public ReconfigInProgressException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public ReconfigInProgressException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.ReconfigInProgress, path, message, innerException)
    {
    }
}

/// <summary>The API was misused.</summary>
public sealed class ApiErrorException : KeeperException
{
    public ApiErrorException()
        : this(null, null, null)
    {
    }

    public ApiErrorException(string message)
        : this(null, message, null)
    {
    }

    public ApiErrorException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public ApiErrorException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.ApiError, path, message, innerException)
    {
    }
}

/// <summary>The node does not exist.</summary>
public sealed class NoNodeException : KeeperException
{
    public NoNodeException()
        : this(null, null, null)
    {
    }

    public NoNodeException(string message)
        : this(null, message, null)
    {
    }

    public NoNodeException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public NoNodeException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.NoNode, path, message, innerException)
    {
    }
}

/// <summary>The client is not authorized for this operation by the node's ACL.</summary>
public sealed class NoAuthException : KeeperException
{
    public NoAuthException()
        : this(null, null, null)
    {
    }

    public NoAuthException(string message)
        : this(null, message, null)
    {
    }

    public NoAuthException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public NoAuthException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.NoAuth, path, message, innerException)
    {
    }
}

/// <summary>The expected version does not match the node's version.</summary>
public sealed class BadVersionException : KeeperException
{
    public BadVersionException()
        : this(null, null, null)
    {
    }

    public BadVersionException(string message)
        : this(null, message, null)
    {
    }

    public BadVersionException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public BadVersionException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.BadVersion, path, message, innerException)
    {
    }
}

/// <summary>Ephemeral nodes cannot have children.</summary>
public sealed class NoChildrenForEphemeralsException : KeeperException
{
    public NoChildrenForEphemeralsException()
        : this(null, null, null)
    {
    }

    public NoChildrenForEphemeralsException(string message)
        : this(null, message, null)
    {
    }

    public NoChildrenForEphemeralsException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public NoChildrenForEphemeralsException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.NoChildrenForEphemerals, path, message, innerException)
    {
    }
}

/// <summary>The node already exists.</summary>
public sealed class NodeExistsException : KeeperException
{
    public NodeExistsException()
        : this(null, null, null)
    {
    }

    public NodeExistsException(string message)
        : this(null, message, null)
    {
    }

    public NodeExistsException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public NodeExistsException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.NodeExists, path, message, innerException)
    {
    }
}

/// <summary>The node has children.</summary>
public sealed class NotEmptyException : KeeperException
{
    public NotEmptyException()
        : this(null, null, null)
    {
    }

    public NotEmptyException(string message)
        : this(null, message, null)
    {
    }

    public NotEmptyException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public NotEmptyException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.NotEmpty, path, message, innerException)
    {
    }
}

/// <summary>The session expired (or the client was closed): its ephemeral nodes and watches are gone. A new client is needed.</summary>
public sealed class SessionExpiredException : KeeperException
{
    public SessionExpiredException()
        : this(null, null, null)
    {
    }

    public SessionExpiredException(string message)
        : this(null, message, null)
    {
    }

    public SessionExpiredException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public SessionExpiredException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.SessionExpired, path, message, innerException)
    {
    }
}

/// <summary>Invalid callback.</summary>
public sealed class InvalidCallbackException : KeeperException
{
    public InvalidCallbackException()
        : this(null, null, null)
    {
    }

    public InvalidCallbackException(string message)
        : this(null, message, null)
    {
    }

    public InvalidCallbackException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public InvalidCallbackException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.InvalidCallback, path, message, innerException)
    {
    }
}

/// <summary>The ACL is invalid (e.g. empty, or naming a scheme the client is not authenticated with).</summary>
public sealed class InvalidAclException : KeeperException
{
    public InvalidAclException()
        : this(null, null, null)
    {
    }

    public InvalidAclException(string message)
        : this(null, message, null)
    {
    }

    public InvalidAclException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public InvalidAclException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.InvalidAcl, path, message, innerException)
    {
    }
}

/// <summary>The server refused the client's credentials.</summary>
public sealed class AuthFailedException : KeeperException
{
    public AuthFailedException()
        : this(null, null, null)
    {
    }

    public AuthFailedException(string message)
        : this(null, message, null)
    {
    }

    public AuthFailedException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public AuthFailedException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.AuthFailed, path, message, innerException)
    {
    }
}

/// <summary>The session moved to another server.</summary>
public sealed class SessionMovedException : KeeperException
{
    public SessionMovedException()
        : this(null, null, null)
    {
    }

    public SessionMovedException(string message)
        : this(null, message, null)
    {
    }

    public SessionMovedException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public SessionMovedException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.SessionMoved, path, message, innerException)
    {
    }
}

/// <summary>A state-changing request was sent to a read-only server.</summary>
public sealed class NotReadOnlyException : KeeperException
{
    public NotReadOnlyException()
        : this(null, null, null)
    {
    }

    public NotReadOnlyException(string message)
        : this(null, message, null)
    {
    }

    public NotReadOnlyException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public NotReadOnlyException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.NotReadOnly, path, message, innerException)
    {
    }
}

/// <summary>Ephemeral nodes cannot be created on a local session.</summary>
public sealed class EphemeralOnLocalSessionException : KeeperException
{
    public EphemeralOnLocalSessionException()
        : this(null, null, null)
    {
    }

    public EphemeralOnLocalSessionException(string message)
        : this(null, message, null)
    {
    }

    public EphemeralOnLocalSessionException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public EphemeralOnLocalSessionException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.EphemeralOnLocalSession, path, message, innerException)
    {
    }
}

/// <summary>The watcher to remove does not exist.</summary>
public sealed class NoWatcherException : KeeperException
{
    public NoWatcherException()
        : this(null, null, null)
    {
    }

    public NoWatcherException(string message)
        : this(null, message, null)
    {
    }

    public NoWatcherException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public NoWatcherException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.NoWatcher, path, message, innerException)
    {
    }
}

/// <summary>The request was not completed within the allowed time.</summary>
public sealed class RequestTimeoutException : KeeperException
{
    public RequestTimeoutException()
        : this(null, null, null)
    {
    }

    public RequestTimeoutException(string message)
        : this(null, message, null)
    {
    }

    public RequestTimeoutException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public RequestTimeoutException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.RequestTimeout, path, message, innerException)
    {
    }
}

/// <summary>Reconfiguration is disabled on the server.</summary>
public sealed class ReconfigDisabledException : KeeperException
{
    public ReconfigDisabledException()
        : this(null, null, null)
    {
    }

    public ReconfigDisabledException(string message)
        : this(null, message, null)
    {
    }

    public ReconfigDisabledException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public ReconfigDisabledException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.ReconfigDisabled, path, message, innerException)
    {
    }
}

/// <summary>The server requires SASL authentication and closed the session.</summary>
public sealed class SessionClosedRequireSaslAuthException : KeeperException
{
    public SessionClosedRequireSaslAuthException()
        : this(null, null, null)
    {
    }

    public SessionClosedRequireSaslAuthException(string message)
        : this(null, message, null)
    {
    }

    public SessionClosedRequireSaslAuthException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public SessionClosedRequireSaslAuthException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.SessionClosedRequireSaslAuth, path, message, innerException)
    {
    }
}

/// <summary>The quota of the path was exceeded.</summary>
public sealed class QuotaExceededException : KeeperException
{
    public QuotaExceededException()
        : this(null, null, null)
    {
    }

    public QuotaExceededException(string message)
        : this(null, message, null)
    {
    }

    public QuotaExceededException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public QuotaExceededException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.QuotaExceeded, path, message, innerException)
    {
    }
}

/// <summary>The server throttled the operation; retry with back-off.</summary>
public sealed class ThrottledOpException : KeeperException
{
    public ThrottledOpException()
        : this(null, null, null)
    {
    }

    public ThrottledOpException(string message)
        : this(null, message, null)
    {
    }

    public ThrottledOpException(string message, Exception innerException)
        : this(null, message, innerException)
    {
    }

    public ThrottledOpException(string? path, string? message, Exception? innerException)
        : base(KeeperErrorCode.ThrottledOp, path, message, innerException)
    {
    }
}
