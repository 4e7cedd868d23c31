namespace Drover.Epmd;

/// <summary>
/// A store could not keep a registration it had accepted: e.g. ZooKeeper ended the session, and by the time
/// the registration was written again in a new session another node had taken the name. The server that
/// holds <see cref="Token"/> closes that registration's connection, which tells the Erlang node (as a dying
/// epmd would).
/// </summary>
public sealed class RegistrationLostEventArgs(NodeRegistration registration, RegistrationToken token, string reason) : EventArgs
{
    public NodeRegistration Registration { get; } = registration;

    public RegistrationToken Token { get; } = token;

    /// <summary>Why, for the log.</summary>
    public string Reason { get; } = reason;
}
