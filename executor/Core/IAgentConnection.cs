using Drover.Mesos.V1.Executor;

namespace Drover.Executor.Core;

/// <summary>
/// The agent's executor API as the loop uses it. An implementation owns no executor state: what it learns
/// it posts back to the loop as <see cref="SubscriptionOpened"/>, <see cref="AgentEventReceived"/>,
/// <see cref="SubscriptionClosed"/> and <see cref="CallCompleted"/>, tagged with the connection it belongs to,
/// so the loop can drop what arrives from a connection it has moved on from.
/// </summary>
public interface IAgentConnection : IDisposable
{
    /// <summary>
    /// Opens subscription <paramref name="connection"/> with <paramref name="subscribe"/>, closing any earlier
    /// one. It ends with exactly one <see cref="SubscriptionClosed"/> for <paramref name="connection"/>.
    /// </summary>
    void Subscribe(Call subscribe, long connection);

    /// <summary>Closes the subscription and drops calls still queued: nothing is current until the next <see cref="Subscribe"/>.</summary>
    void Disconnect();

    /// <summary>
    /// Queues an UPDATE or MESSAGE for <paramref name="connection"/>. Calls go out one at a time, in order, and
    /// are dropped once that connection is no longer current (the next SUBSCRIBE carries every unacknowledged update).
    /// </summary>
    void Send(Call call, long connection, Guid? update);
}
