using Drover.ZooKeeper;

namespace Drover.Testing.ZooKeeper;

/// <summary>Records a client's state changes (raised on its dispatcher) for a test thread to read safely.</summary>
public sealed class StateLog
{
    private readonly List<ZooKeeperState> _states = [];
    private readonly Lock _lock = new();

    public StateLog(ZooKeeperClient client)
    {
        client.StateChanged += (_, state) =>
        {
            lock (_lock)
            {
                _states.Add(state);
            }
        };
    }

    public IReadOnlyList<ZooKeeperState> States
    {
        get
        {
            lock (_lock)
            {
                return [.. _states];
            }
        }
    }

    public bool Saw(ZooKeeperState state) => States.Contains(state);

    public override string ToString() => string.Join(", ", States);
}
