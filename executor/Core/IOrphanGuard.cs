namespace Drover.Executor.Core;

/// <summary>
/// What makes the services' process groups die with the executor even when it is SIGKILLed (a watchdog process,
/// <see cref="Drover.Posix.OrphanGuard"/>). Thread-safe: command checks add their groups from probe threads.
/// </summary>
public interface IOrphanGuard : IDisposable
{
    /// <summary>The watchdog's pid, so its exit is recognised; 0 while none runs.</summary>
    int WatchdogPid { get; }

    /// <summary>The groups the watchdog would kill now.</summary>
    IReadOnlyCollection<int> Groups { get; }

    void Add(int processGroupId);

    void Remove(int processGroupId);

    /// <summary>Starts a new watchdog (the old one died) with the same groups.</summary>
    void Restart();
}
