using Drover.Registry;
using Drover.ZooKeeper;

namespace Drover.Scheduler.State;

/// <summary>
/// The scheduler's ZooKeeper layout, beside the registry's <c>clusters/</c> under the framework's own root, so
/// frameworks sharing a ZooKeeper never see each other's state:
/// <code>
/// &lt;root&gt;/&lt;framework&gt;/scheduler/
///   framework-id                  FrameworkRecord
///   leader/candidate_0000000007   ephemeral sequential: the election (lowest leads)
///   clusters/&lt;cluster&gt;           ClusterRecord
///   nodes/&lt;cluster&gt;.&lt;node&gt;       NodeRecord
///   ledger/&lt;entry&gt;               LedgerEntry (reservations and volumes we made)
///   plans/&lt;cluster&gt;.&lt;plan&gt;       PlanRecord
/// </code>
/// Cluster, node and plan names never hold '.', so the flat keys are unambiguous.
/// </summary>
public sealed class StatePaths
{
    public const string CandidatePrefix = "candidate_";

    public StatePaths(string root, string framework)
    {
        ZooKeeperPath.Validate(root);
        RegistryPaths.ValidateName(framework, "framework name");
        Root = root;
        Framework = framework;
        Scheduler = Join(Join(root, framework), "scheduler");
        FrameworkId = Join(Scheduler, "framework-id");
        Leader = Join(Scheduler, "leader");
        Clusters = Join(Scheduler, "clusters");
        Nodes = Join(Scheduler, "nodes");
        Ledger = Join(Scheduler, "ledger");
        Plans = Join(Scheduler, "plans");
    }

    public string Root { get; }

    public string Framework { get; }

    public string Scheduler { get; }

    public string FrameworkId { get; }

    public string Leader { get; }

    public string Clusters { get; }

    public string Nodes { get; }

    public string Ledger { get; }

    public string Plans { get; }

    /// <summary>The directories created at start, parents first.</summary>
    public IEnumerable<string> Directories()
    {
        var framework = Join(Root, Framework);
        var parts = new List<string>();
        var path = "";
        foreach (var segment in framework.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path += "/" + segment;
            parts.Add(path);
        }

        return [.. parts, Scheduler, Leader, Clusters, Nodes, Ledger, Plans];
    }

    public string Cluster(string name) => Join(Clusters, name);

    public string Node(string cluster, string node) => Join(Nodes, NodeKey(cluster, node));

    public string LedgerEntry(string id) => Join(Ledger, id);

    public string Plan(string cluster, string plan) => Join(Plans, PlanKey(cluster, plan));

    public static string NodeKey(string cluster, string node) => cluster + "." + node;

    public static string PlanKey(string cluster, string plan) => cluster + "." + plan;

    private static string Join(string parent, string child) => parent == "/" ? "/" + child : parent + "/" + child;
}
