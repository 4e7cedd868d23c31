using Drover.Executor.Core;
using Drover.Posix;

namespace Drover.Executor.Supervision;

/// <summary>
/// The orphan watchdog (<see cref="OrphanGuard"/>), started when the first group is added: an executor that never
/// runs a service never forks one. Thread-safe. Once disposed (the executor exits) it ignores further changes,
/// so a probe finishing late cannot fail on it.
/// </summary>
public sealed class Watchdog : IOrphanGuard
{
    private readonly object _gate = new();
    private OrphanGuard? _guard;
    private bool _disposed;

    public int WatchdogPid
    {
        get
        {
            lock (_gate)
            {
                return _guard?.WatchdogPid ?? 0;
            }
        }
    }

    public IReadOnlyCollection<int> Groups
    {
        get
        {
            lock (_gate)
            {
                return _guard?.Groups ?? [];
            }
        }
    }

    public void Add(int processGroupId)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                (_guard ??= OrphanGuard.Start()).Add(processGroupId);
            }
        }
    }

    public void Remove(int processGroupId)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _guard?.Remove(processGroupId);
            }
        }
    }

    public void Restart()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _guard?.Restart();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _guard?.Dispose();
        }
    }
}
