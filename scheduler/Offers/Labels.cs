using Drover.Mesos.Resources;
using Drover.Mesos.V1;

namespace Drover.Scheduler.Offers;

/// <summary>
/// The labels on every reservation Drover makes. Only resources whose labels name this framework are ever
/// touched (used, destroyed, unreserved); other frameworks sharing the role see them and leave them.
/// </summary>
public static class ReservationLabels
{
    public const string Framework = "drover.framework";
    public const string Cluster = "drover.cluster";
    public const string Node = "drover.node";

    /// <summary>The ledger entry (and the volume's persistence id).</summary>
    public const string Reservation = "drover.reservation";

    public static ReservationSpec Spec(string role, string? principal, string framework, string cluster, string node, string entry) =>
        new(role, principal,
        [
            new(Framework, framework),
            new(Cluster, cluster),
            new(Node, node),
            new(Reservation, entry),
        ]);

    /// <summary>Whether the resource is reserved to <paramref name="role"/> by this framework (its labels say so).</summary>
    public static bool IsOurs(Resource resource, string role, string framework) =>
        resource.ReservationRole() == role && resource.ReservationLabel(Framework) == framework;

    public static string? EntryOf(Resource resource) => resource.ReservationLabel(Reservation);
}
