using Drover.Mesos.V1;

namespace Drover.Mesos.Scheduler;

/// <summary>A master to try, and what is known of it (from ZooKeeper: its MasterInfo).</summary>
public sealed record MasterCandidate(MasterEndpoint Endpoint, MasterInfo? Info);

/// <summary>Finds the master to subscribe to.</summary>
public interface IMasterDetector : IAsyncDisposable
{
    /// <summary>The master to try next; null when none is known yet (no leader in ZooKeeper): back off and ask again.</summary>
    ValueTask<MasterCandidate?> NextAsync(CancellationToken cancellationToken);
}

/// <summary>A fixed list, tried in turn: any master redirects to the leader, so the order only decides who is asked first.</summary>
public sealed class StaticMasterDetector(IReadOnlyList<MasterEndpoint> endpoints) : IMasterDetector
{
    private int _next;

    public ValueTask<MasterCandidate?> NextAsync(CancellationToken cancellationToken)
    {
        var endpoint = endpoints[_next];
        _next = (_next + 1) % endpoints.Count;
        return ValueTask.FromResult<MasterCandidate?>(new MasterCandidate(endpoint, null));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
