namespace Drover.Scheduler.State;

/// <summary>
/// The store of unit tests: znode paths to bytes in memory, through the same encoding as ZooKeeper's, so a test
/// can kill a loop and start another on the same store as a restarted scheduler would on ZooKeeper.
/// </summary>
public sealed class InMemoryStateStore : IStateStore
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, byte[]> _znodes = new(StringComparer.Ordinal);

    public InMemoryStateStore(StatePaths paths) => Codec = new StateCodec(paths);

    public StateCodec Codec { get; }

    /// <summary>How many commits were applied.</summary>
    public int Commits { get; private set; }

    /// <summary>Called before each commit is applied; throwing from it makes the commit fail (fault injection).</summary>
    public Action<IReadOnlyList<StoreWrite>>? BeforeCommit { get; set; }

    public Task<StoredState> LoadAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var paths = Codec.Paths;
            FrameworkRecord? framework = null;
            var clusters = new List<ClusterRecord>();
            var nodes = new List<NodeRecord>();
            var ledger = new List<LedgerEntry>();
            var plans = new List<PlanRecord>();
            foreach (var (path, data) in _znodes)
            {
                if (path == paths.FrameworkId)
                {
                    framework = StateCodec.DecodeFramework(path, data);
                }
                else if (IsChild(path, paths.Clusters))
                {
                    clusters.Add(StateCodec.DecodeCluster(path, data));
                }
                else if (IsChild(path, paths.Nodes))
                {
                    nodes.Add(StateCodec.DecodeNode(path, data));
                }
                else if (IsChild(path, paths.Ledger))
                {
                    ledger.Add(StateCodec.DecodeLedger(path, data));
                }
                else if (IsChild(path, paths.Plans))
                {
                    plans.Add(StateCodec.DecodePlan(path, data));
                }
            }

            return Task.FromResult(new StoredState { Framework = framework, Clusters = clusters, Nodes = nodes, Ledger = ledger, Plans = plans });
        }
    }

    public Task CommitAsync(IReadOnlyList<StoreWrite> writes, CancellationToken cancellationToken = default)
    {
        BeforeCommit?.Invoke(writes);
        lock (_gate)
        {
            foreach (var write in writes)
            {
                var (path, data) = Codec.Encode(write);
                if (data is null)
                {
                    _znodes.Remove(path);
                }
                else
                {
                    _znodes[path] = data;
                }
            }

            Commits++;
        }

        return Task.CompletedTask;
    }

    /// <summary>The raw znodes (tests: what was persisted, byte for byte).</summary>
    public IReadOnlyDictionary<string, byte[]> Znodes()
    {
        lock (_gate)
        {
            return new Dictionary<string, byte[]>(_znodes, StringComparer.Ordinal);
        }
    }

    private static bool IsChild(string path, string directory) =>
        path.Length > directory.Length + 1 && path.StartsWith(directory + "/", StringComparison.Ordinal)
        && path.IndexOf('/', directory.Length + 1) < 0;
}
