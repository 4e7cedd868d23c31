using Drover.Scheduler.Configuration;

namespace Drover.Scheduler.Master;

/// <summary>
/// Where the program gets its <see cref="IMaster"/>: the adapter over the v1 scheduler client
/// (<c>lib/Drover.Mesos/Scheduler</c>: masters from --master, principal and secret, failover, heartbeats).
/// That client is built on another branch; until it is merged this build has no master connection and says so.
/// </summary>
public static class MasterConnection
{
    public static IMaster Create(SchedulerSettings settings, string? secret, TimeProvider time)
    {
        _ = (settings, secret, time);
        throw new NotSupportedException(
            "this build of drover-scheduler has no Mesos master connection yet: the v1 scheduler client (lib/Drover.Mesos/Scheduler) " +
            "is merged separately. State, leader election and the scheduler loop are in place; nothing was changed in Mesos.");
    }
}
