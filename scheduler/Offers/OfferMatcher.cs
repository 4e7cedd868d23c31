using System.Globalization;
using System.Text.RegularExpressions;
using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Drover.Scheduler.Model;

namespace Drover.Scheduler.Offers;

/// <summary>What one node asks of an agent: its task's and its executor's resources, and its ports.</summary>
public sealed record NodeNeeds(double Cpus, double Mem, double Disk, double Volume, IReadOnlyList<PortSpec> Ports)
{
    public static NodeNeeds Of(ClusterSpec spec, Configuration.SchedulerOptions options) =>
        Of(spec.Resources!, spec.Ports, options);

    /// <summary>What a node of this shape needs (its kind may shape nodes differently from the spec: Quobyte's services).</summary>
    public static NodeNeeds Of(Plans.NodeShape shape, Configuration.SchedulerOptions options) =>
        Of(shape.Resources, shape.Ports, options);

    private static NodeNeeds Of(NodeResources resources, IReadOnlyList<PortSpec> ports, Configuration.SchedulerOptions options) => new(
        resources.Cpus!.Value + options.ExecutorCpus,
        resources.Mem!.Value + options.ExecutorMem,
        resources.Disk + options.ExecutorDisk,
        resources.Volume,
        ports);
}

/// <summary>Where a node could go on an offer: the unreserved resources to reserve (allocated to the role) and its ports.</summary>
public sealed record Placement(ResourceSet Unreserved, IReadOnlyDictionary<string, int> Ports);

/// <summary>
/// Pure offer arithmetic: which unreserved resources of an offer fit a node, whether an agent satisfies a
/// cluster's placement, and which reserved resources of an offer belong to a ledger entry.
/// </summary>
public static class OfferMatcher
{
    /// <summary>The offer's resources this framework may reserve: unreserved, allocated to our role, plain (no disk source).</summary>
    public static ResourceSet Unreserved(Offer offer, string role) => ResourceSet.Of(offer.Resources.Where(r =>
        !r.IsReserved() && r.AllocationInfo?.Role == role && r.Disk is null && r.Revocable is null && r.Shared is null));

    /// <summary>The offer's resources reserved by this framework for ledger entry <paramref name="entry"/>.</summary>
    public static ResourceSet ReservedFor(Offer offer, string role, string framework, string entry) =>
        ResourceSet.Of(offer.Resources.Where(r => ReservationLabels.IsOurs(r, role, framework) && ReservationLabels.EntryOf(r) == entry));

    /// <summary>
    /// Takes what the node needs from <paramref name="available"/> (unreserved, allocated to <paramref name="role"/>),
    /// or says why it does not fit. Ports: fixed numbers must be offered; the others take the lowest free ones.
    /// </summary>
    public static Placement? Fit(NodeNeeds needs, ResourceSet available, string role, out string? why)
    {
        why = null;
        if (available.Scalar(MesosResources.Cpus) + 1e-9 < needs.Cpus)
        {
            why = $"cpus {available.Scalar(MesosResources.Cpus)} < {needs.Cpus}";
            return null;
        }

        if (available.Scalar(MesosResources.Mem) + 1e-9 < needs.Mem)
        {
            why = $"mem {available.Scalar(MesosResources.Mem)} < {needs.Mem}";
            return null;
        }

        var disk = needs.Disk + needs.Volume;
        if (available.Scalar(MesosResources.Disk) + 1e-9 < disk)
        {
            why = $"disk {available.Scalar(MesosResources.Disk)} < {disk}";
            return null;
        }

        var offered = available.Ranges(MesosResources.Ports);
        var chosen = new Dictionary<string, int>(StringComparer.Ordinal);
        var taken = RangeSet.Empty;
        foreach (var port in needs.Ports.Where(p => p.Port is not null))
        {
            var number = (ulong)port.Port!.Value;
            if (!offered.Contains(number))
            {
                why = $"port {number} ({port.Name}) not offered";
                return null;
            }

            chosen[port.Name] = (int)number;
            taken = taken.Union(RangeSet.Single(number));
        }

        var free = offered.Subtract(taken);
        foreach (var port in needs.Ports.Where(p => p.Port is null))
        {
            var lowest = free.TakeLowest(1);
            if (lowest is null || lowest.IsEmpty)
            {
                why = "not enough ports offered";
                return null;
            }

            var number = lowest.First().Begin;
            chosen[port.Name] = (int)number;
            taken = taken.Union(RangeSet.Single(number));
            free = free.Subtract(RangeSet.Single(number));
        }

        var resources = new List<Resource>
        {
            MesosResources.Scalar(MesosResources.Cpus, needs.Cpus).AllocatedTo(role),
            MesosResources.Scalar(MesosResources.Mem, needs.Mem).AllocatedTo(role),
        };
        if (disk > 0)
        {
            resources.Add(MesosResources.Scalar(MesosResources.Disk, disk).AllocatedTo(role));
        }

        if (!taken.IsEmpty)
        {
            resources.Add(MesosResources.PortRanges(taken).AllocatedTo(role));
        }

        var set = ResourceSet.Of(resources);
        if (!available.Contains(set))
        {
            why = "the offer's resources are split in a way that cannot hold the node";
            return null;
        }

        return new Placement(set, chosen);
    }

    /// <summary>Whether the agent of <paramref name="offer"/> may take one more node of the cluster; else why not.</summary>
    public static string? PlacementRefusal(PlacementSpec placement, Offer offer, int clusterNodesOnAgent, int clusterNodesOnHost)
    {
        if (placement.MaxPerAgent is { } max && clusterNodesOnAgent >= max)
        {
            return $"already {clusterNodesOnAgent} node(s) of the cluster on agent (max_per_agent {max})";
        }

        if (placement.UniqueHostname && clusterNodesOnHost > 0)
        {
            return $"host {offer.Hostname} already runs a node of the cluster (unique_hostname)";
        }

        foreach (var constraint in placement.Attributes)
        {
            var value = AttributeText(offer, constraint.Attribute);
            var holds = constraint.Operator switch
            {
                ConstraintOperator.EqualTo => value == constraint.Value,
                ConstraintOperator.NotEqualTo => value != constraint.Value,
                ConstraintOperator.Like => value is not null && FullMatch(value, constraint.Value),
                ConstraintOperator.Unlike => value is null || !FullMatch(value, constraint.Value),
                _ => false,
            };
            if (!holds)
            {
                return $"attribute {constraint.Attribute}={value ?? "(absent)"} fails {constraint.Operator} {constraint.Value}";
            }
        }

        return null;
    }

    /// <summary>An agent attribute as text: TEXT as is, SCALAR as a number, SET and RANGES in Mesos' notation.</summary>
    public static string? AttributeText(Offer offer, string name)
    {
        var attribute = offer.Attributes.FirstOrDefault(a => a.Name == name);
        if (attribute is null)
        {
            return null;
        }

        return attribute.Type switch
        {
            Value.Types.Type.Text => attribute.Text?.Value,
            Value.Types.Type.Scalar => attribute.Scalar?.Value.ToString(CultureInfo.InvariantCulture),
            Value.Types.Type.Set => "{" + string.Join(",", attribute.Set?.Item ?? []) + "}",
            Value.Types.Type.Ranges => RangeSet.FromProto(attribute.Ranges).ToString(),
            _ => null,
        };
    }

    private static bool FullMatch(string value, string pattern)
    {
        try
        {
            return Regex.IsMatch(value, "^(?:" + pattern + ")$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
