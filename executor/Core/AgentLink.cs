namespace Drover.Executor.Core;

/// <summary>
/// The executor's subscription to its agent (Mesos' executor HTTP API, "Disconnections" and "Agent Recovery"). Before the
/// first SUBSCRIBED the executor retries until the agent's registration timeout; after it, a lost subscription
/// is retried only when the framework checkpoints, within MESOS_RECOVERY_TIMEOUT (<see cref="Recovery"/>).
/// </summary>
public abstract record AgentLink
{
    private AgentLink()
    {
    }

    /// <summary>No SUBSCRIBE in flight: attempt <paramref name="Attempt"/> is due after its backoff.</summary>
    public sealed record Waiting(int Attempt, Recovery? Recovery) : AgentLink;

    /// <summary>
    /// SUBSCRIBE sent on <paramref name="Connection"/>, SUBSCRIBED not received yet. <paramref name="Carried"/>:
    /// the updates it carries (those made meanwhile are sent once SUBSCRIBED arrives).
    /// </summary>
    public sealed record Subscribing(long Connection, int Attempt, IReadOnlySet<Guid> Carried, Recovery? Recovery) : AgentLink;

    public sealed record Subscribed(long Connection) : AgentLink;

    /// <summary>Given up on: nothing more is sent or subscribed.</summary>
    public sealed record Abandoned : AgentLink;

    /// <summary>The connection whose events and calls count; null when none does.</summary>
    public long? Current => this switch
    {
        Subscribing subscribing => subscribing.Connection,
        Subscribed subscribed => subscribed.Connection,
        _ => null,
    };
}

/// <summary>
/// The subscription was lost after SUBSCRIBED and the framework checkpoints: resubscribe until
/// <paramref name="Deadline"/>. Absent before the first SUBSCRIBED (the registration timeout bounds that).
/// </summary>
public sealed record Recovery(TimeSpan Deadline);
