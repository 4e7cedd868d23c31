using Drover.ZooKeeper;

namespace Drover.Registry;

/// <summary>
/// The registry's layout (architecture.md, "ZooKeeper layout"):
/// <code>
/// &lt;root&gt;/&lt;framework&gt;/clusters/&lt;cluster&gt;/
///   nodes/&lt;node&gt;                 ephemeral, endpoint record
///   members/member_0000000042    ephemeral sequential, ServerSet member
///   epmd/&lt;erlang-node-name&gt;     ephemeral, cEPMD registration
/// </code>
/// Paths are relative to the connect string's chroot, if any.
/// </summary>
public sealed class RegistryPaths
{
    public const string DefaultRoot = "/drover";

    public RegistryPaths(string root, string framework)
    {
        ZooKeeperPath.Validate(root);
        ValidateName(framework, "framework name");
        Root = root;
        Framework = framework;
        FrameworkPath = Join(root, framework);
        Clusters = Join(FrameworkPath, "clusters");
    }

    public string Root { get; }

    public string Framework { get; }

    /// <summary>&lt;root&gt;/&lt;framework&gt;</summary>
    public string FrameworkPath { get; }

    /// <summary>&lt;root&gt;/&lt;framework&gt;/clusters</summary>
    public string Clusters { get; }

    public ClusterPaths Cluster(string cluster)
    {
        ValidateName(cluster, "cluster name");
        return new ClusterPaths(cluster, Join(Clusters, cluster));
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless <paramref name="name"/> can be one znode name: not
    /// empty, no '/', not "." or "..", no characters ZooKeeper refuses.
    /// </summary>
    public static void ValidateName(string name, string what)
    {
        ArgumentNullException.ThrowIfNull(name, what);
        if (name.Length == 0 || name is "." or ".." || name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"A {what} must be one path segment: not empty, not '.' or '..', without '/' (got '{name}').", what);
        }
        try
        {
            ZooKeeperPath.Validate("/" + name);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"'{name}' is not a valid {what}: {e.Message}", what, e);
        }
    }

    internal static string Join(string parent, string child) => parent == "/" ? "/" + child : parent + "/" + child;
}

/// <summary>The paths of one cluster.</summary>
public sealed class ClusterPaths
{
    /// <summary>The name prefix of ServerSet members (Twitter commons' ServerSetImpl, Finagle's serverset2 reader).</summary>
    public const string MemberPrefix = "member_";

    internal ClusterPaths(string cluster, string path)
    {
        Cluster = cluster;
        Path = path;
        Nodes = RegistryPaths.Join(path, "nodes");
        Members = RegistryPaths.Join(path, "members");
        Epmd = RegistryPaths.Join(path, "epmd");
    }

    public string Cluster { get; }

    /// <summary>&lt;root&gt;/&lt;framework&gt;/clusters/&lt;cluster&gt;</summary>
    public string Path { get; }

    public string Nodes { get; }

    public string Members { get; }

    public string Epmd { get; }

    public string Node(string node)
    {
        RegistryPaths.ValidateName(node, "node name");
        return RegistryPaths.Join(Nodes, node);
    }

    /// <summary>The path given to a sequential create: the server appends the 10-digit counter.</summary>
    public string MemberPathPrefix => RegistryPaths.Join(Members, MemberPrefix);

    public string EpmdEntry(string erlangNodeName)
    {
        RegistryPaths.ValidateName(erlangNodeName, "Erlang node name");
        return RegistryPaths.Join(Epmd, erlangNodeName);
    }

    public override string ToString() => Path;
}
