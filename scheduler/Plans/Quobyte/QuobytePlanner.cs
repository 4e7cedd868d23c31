using System.Globalization;
using Drover.Scheduler.Model;
using Drover.Scheduler.State;

namespace Drover.Scheduler.Plans.Quobyte;

/// <summary>
/// A Quobyte deployment, as the Mesos Quobyte framework ran it and with what it listed as missing:
/// <list type="bullet">
/// <item>one task per service: <c>&lt;cluster&gt;-&lt;service&gt;-&lt;n&gt;</c>, registry, metadata and data pinned to the
/// host whose devices they use (<c>quobyte.nodes[n]</c>), api and webconsole anywhere; resources per service;</item>
/// <item>started in dependency order (registry, metadata, data, then api and webconsole), each healthy before the
/// next; every service's NodeSpec.seeds lists the registries (<c>host:rpc</c>);</item>
/// <item>a new version rolls through the services one at a time in the same order, registry first, each healthy
/// before the next; an empty version stops every service (webconsole first, registry last).</item>
/// </list>
/// The version is the spec's; <c>POST /v1/version</c> sets it as the seed's curl lines do.
/// </summary>
public sealed class QuobytePlanner : ServicePlanner
{
    /// <summary>Start (and upgrade) order; stop order is the reverse.</summary>
    public static readonly IReadOnlyList<QuobyteRole> Order = [QuobyteRole.Registry, QuobyteRole.Metadata, QuobyteRole.Data, QuobyteRole.Api, QuobyteRole.Webconsole];

    /// <summary>NodeSpec.config key the Quobyte personality runs the service of.</summary>
    public const string ServiceKey = "service";

    public const string RpcPort = "rpc";
    public const string HttpPort = "http";

    /// <summary>One service instance of the deployment.</summary>
    public sealed record Instance(string Name, QuobyteRole Role, int Index, QuobyteHostSpec? Host);

    public static string RoleName(QuobyteRole role) => role.ToString().ToLowerInvariant();

    private static int Rank(QuobyteRole role) => Order.Select((r, i) => (r, i)).First(x => x.r == role).i;

    public static string NodeName(string cluster, QuobyteRole role, int index) =>
        $"{cluster}-{RoleName(role)}-{index.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Every instance the spec lists, in start order (whatever its version).</summary>
    public static IReadOnlyList<Instance> Instances(ClusterSpec spec)
    {
        var quobyte = spec.Quobyte ?? new QuobyteSpec();
        var list = new List<Instance>();
        foreach (var role in Order)
        {
            if (role is QuobyteRole.Api or QuobyteRole.Webconsole)
            {
                var count = role == QuobyteRole.Api ? quobyte.Api : quobyte.Webconsole;
                list.AddRange(Enumerable.Range(0, Math.Max(0, count)).Select(i => new Instance(NodeName(spec.Name, role, i), role, i, null)));
                continue;
            }

            for (var i = 0; i < quobyte.Nodes.Count; i++)
            {
                if (quobyte.Nodes[i].Services.Contains(role))
                {
                    list.Add(new Instance(NodeName(spec.Name, role, i), role, i, quobyte.Nodes[i]));
                }
            }
        }

        return list;
    }

    /// <summary>The instances that should run now: none without a version or while the cluster is deleted.</summary>
    public static IReadOnlyList<Instance> Wanted(ClusterRecord cluster) =>
        cluster.Deleting || cluster.Spec.Version.Length == 0 ? [] : Instances(cluster.Spec);

    /// <summary>The role and index a node's name carries (&lt;cluster&gt;-&lt;role&gt;-&lt;n&gt;), if it is one of ours.</summary>
    public static (QuobyteRole Role, int Index)? Parse(string cluster, string node)
    {
        if (!node.StartsWith(cluster + "-", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = node[(cluster.Length + 1)..];
        var dash = rest.LastIndexOf('-');
        if (dash <= 0 || !int.TryParse(rest.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return null;
        }

        var role = Order.Cast<QuobyteRole?>().FirstOrDefault(r => RoleName(r!.Value) == rest[..dash]);
        return role is { } found ? (found, index) : null;
    }

    public override NodeShape Shape(ClusterSpec spec, string node)
    {
        if (Parse(spec.Name, node) is not { } parsed)
        {
            return base.Shape(spec, node);
        }

        var (role, index) = parsed;
        var quobyte = spec.Quobyte ?? new QuobyteSpec();
        var names = new List<string> { RpcPort, HttpPort };
        if (role is QuobyteRole.Api or QuobyteRole.Webconsole)
        {
            names.Add(RoleName(role));
        }

        var ports = names.Select(n => new PortSpec { Name = n, Port = spec.Ports.FirstOrDefault(p => p?.Name == n)?.Port }).ToList();
        var pinned = role is QuobyteRole.Registry or QuobyteRole.Metadata or QuobyteRole.Data;
        return new NodeShape
        {
            Resources = quobyte.Resources.GetValueOrDefault(RoleName(role)) ?? spec.Resources!,
            Ports = ports,
            // A host runs several services, each pinned: only api and webconsole follow the cluster's placement.
            Placement = pinned ? new PlacementSpec() : spec.Placement,
            Host = pinned && index < quobyte.Nodes.Count ? quobyte.Nodes[index].Host : null,
            RequiredPorts = names,
            Config = new Dictionary<string, string> { [ServiceKey] = RoleName(role) },
        };
    }

    /// <summary>Everything but the count, placement, replace_after and the quobyte section (hosts, counts, devices): the version rolls.</summary>
    public override string RolloutKey(ClusterSpec spec) =>
        ClusterSpecJson.Serialize(spec with { Count = 0, Placement = new(), ReplaceAfter = null, Quobyte = null });

    public override Plan DeployPlan(PlanningContext context, Plan? old)
    {
        var steps = DeployPlans.OldSteps(old);
        var wanted = Wanted(context.Cluster);
        var phases = new List<Phase>();
        foreach (var role in Order)
        {
            DeployPlans.AddPhase(phases, RoleName(role), Strategy.Serial,
                [.. wanted.Where(w => w.Role == role).Select(w => DeployPlans.Carry(steps, new Step { Name = w.Name, Action = new RunNode(w.Name) }))]);
        }

        var names = wanted.Select(w => w.Name).ToHashSet(StringComparer.Ordinal);
        var surplus = context.Nodes.Where(n => !names.Contains(n.Name))
            .OrderByDescending(n => Parse(context.Cluster.Name, n.Name) is { } parsed ? Rank(parsed.Role) : Order.Count)
            .ThenByDescending(n => n.Index)
            .Select(n => DeployPlans.Carry(steps, new Step { Name = "stop-" + n.Name, Action = new RemoveNode(n.Name, null) }))
            .ToList();
        DeployPlans.AddPhase(phases, "stop", Strategy.Serial, surplus);
        return DeployPlans.Make(context, old, phases);
    }

    /// <summary>Every service finds the registries through host.cfg: NodeSpec.seeds = each placed registry's host:rpc.</summary>
    public override void Decorate(V1.NodeSpec nodeSpec, PlanningContext context, NodeRecord node)
    {
        nodeSpec.Seeds.AddRange(context.Nodes
            .Where(n => Parse(context.Cluster.Name, n.Name) is { Role: QuobyteRole.Registry } && n.Hostname is not null && n.Ports.ContainsKey(RpcPort))
            .OrderBy(n => n.Index)
            .Select(n => $"{n.Hostname}:{n.Ports[RpcPort].ToString(CultureInfo.InvariantCulture)}"));
    }

    public static QuobyteState State(PlanningContext context) => context.Service.Quobyte ?? new QuobyteState();

    /// <summary>The deployment's current version follows the target once every wanted service runs it, healthy; nothing when all stopped.</summary>
    public override PlannerUpdate? Tick(PlanningContext context)
    {
        var state = State(context);
        var target = context.Spec.Version;
        var current = state.Current;
        if (target.Length == 0 && context.Nodes.Count == 0)
        {
            current = "";
        }
        else if (target.Length > 0 && context.Plan(DeployPlans.Deploy) is { Status: PlanStatus.Complete } && AtTarget(context) == Wanted(context.Cluster).Count)
        {
            current = target;
        }

        return current == state.Current ? null : new PlannerUpdate([], context.Service with { Quobyte = new QuobyteState { Current = current, Since = context.Now } });
    }

    private static int AtTarget(PlanningContext context)
    {
        var wanted = Wanted(context.Cluster).Select(w => w.Name).ToHashSet(StringComparer.Ordinal);
        return context.Nodes.Count(n => wanted.Contains(n.Name) && n.Version == context.Spec.Version && n.Goal == NodeGoal.Run && context.IsHealthy(n));
    }

    public override ServiceView? View(PlanningContext context) => new() { Quobyte = VersionView(context) };

    public static QuobyteView VersionView(PlanningContext context)
    {
        var state = State(context);
        var target = context.Spec.Version;
        var wanted = Wanted(context.Cluster);
        var done = AtTarget(context);
        var deployment = target.Length == 0
            ? context.Nodes.Count == 0 ? QuobyteDeployment.Stopped : QuobyteDeployment.Stopping
            : state.Current == target && done == wanted.Count ? QuobyteDeployment.Running
            : state.Current.Length == 0 ? QuobyteDeployment.Deploying : QuobyteDeployment.Upgrading;
        var services = Instances(context.Spec).Select(i => (i.Name, i.Role, i.Host)).ToList();
        foreach (var extra in context.Nodes.Where(n => services.All(s => s.Name != n.Name)))
        {
            if (Parse(context.Cluster.Name, extra.Name) is { } parsed)
            {
                services.Add((extra.Name, parsed.Role, null));
            }
        }

        return new QuobyteView
        {
            Cluster = context.Cluster.Name,
            Current = state.Current,
            Target = target,
            State = deployment,
            Done = done,
            Total = wanted.Count,
            Remaining = target.Length == 0 ? context.Nodes.Count : 0,
            Services = [.. services.Select(s =>
            {
                var node = context.Node(s.Name);
                return new QuobyteServiceView
                {
                    Node = s.Name,
                    Service = s.Role,
                    Host = node?.Hostname ?? s.Host?.Host,
                    Version = node?.Version,
                    Phase = node?.Phase,
                    Healthy = node?.Healthy,
                    Devices = s.Host?.Devices ?? [],
                };
            })],
        };
    }
}
