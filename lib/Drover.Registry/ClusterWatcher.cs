namespace Drover.Registry;

/// <summary>
/// Watches a cluster's nodes/: node name → <see cref="NodeRecord"/>. A record whose "node" or "cluster"
/// does not match where it is stored is reported as invalid.
/// </summary>
public sealed class ClusterWatcher : DirectoryWatcher<NodeRecord>
{
    /// <summary>On a shared session.</summary>
    public ClusterWatcher(RegistrySession session, string cluster)
        : base(session, ownsSession: false, NodesPath(session?.Paths, cluster), Decoder(cluster))
    {
        Cluster = cluster;
    }

    /// <summary>On a session of its own, closed with the watcher.</summary>
    public ClusterWatcher(RegistryOptions options, string cluster)
        : base(new RegistrySession(options), ownsSession: true, NodesPath(options?.Paths, cluster), Decoder(cluster))
    {
        Cluster = cluster;
    }

    public string Cluster { get; }

    /// <summary>
    /// Watches a cluster's epmd/ (Erlang node name → <typeparamref name="T"/>, as cEPMD stores them),
    /// with the caller's decoder.
    /// </summary>
    public static DirectoryWatcher<T> Epmd<T>(RegistrySession session, string cluster, RecordDecoder<T> decode)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(session);
        return new DirectoryWatcher<T>(session, session.Paths.Cluster(cluster).Epmd, decode);
    }

    /// <summary>The decoder of nodes/ entries: an endpoint record stored under its own cluster and node name.</summary>
    public static RecordDecoder<NodeRecord> Decoder(string cluster) => (name, data) =>
    {
        var record = NodeRecordJson.Parse(data);
        if (record.Node != name || record.Cluster != cluster)
        {
            throw new RecordFormatException(
                $"The record names node {record.Cluster}/{record.Node} but is stored as {cluster}/{name}.");
        }
        return record;
    };

    private static string NodesPath(RegistryPaths? paths, string cluster)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return paths.Cluster(cluster).Nodes;
    }
}
