namespace Drover.Scheduler.Model;

/// <summary>
/// What the scheduler must know of each kind's personality in the executor (README, "Personalities"): the port
/// names it requires, whether it brings health checks of its own, and the admin operation through which a
/// node leaves its cluster before its task is killed.
/// </summary>
public static class ServiceKinds
{
    /// <summary>Ports every node of the kind must have (the personality fails the task without them).</summary>
    public static IReadOnlyList<string> RequiredPorts(ClusterKind kind) => kind switch
    {
        ClusterKind.Cassandra => ["native", "storage", "jmx"],
        ClusterKind.Riak => ["http", "pb", "handoff", "disterl", "epmd"],
        ClusterKind.Drill => ["user", "control", "data", "http"],
        ClusterKind.Quobyte => ["rpc", "http"],
        _ => [],
    };

    /// <summary>
    /// Ports the spec must name: every required port but QUOBYTE's, whose services each get their own set
    /// (rpc, http, and api or webconsole) from the Quobyte planner; a QUOBYTE spec names a port only to fix its number.
    /// </summary>
    public static IReadOnlyList<string> RequiredSpecPorts(ClusterKind kind) => kind == ClusterKind.Quobyte ? [] : RequiredPorts(kind);

    /// <summary>
    /// Ports whose number must be the same on every agent. Stock Erlang dials a remote node's host at its own
    /// ERL_EPMD_PORT (README, "Standalone cEPMD"), so a Riak cluster's cEPMDs must share one port number, unless
    /// its OTP release loads Drover's EPMD module (21 or later), which asks the node's own cEPMD for every peer.
    /// </summary>
    public static IReadOnlyList<string> FixedPorts(ClusterSpec spec) =>
        spec.Kind == ClusterKind.Riak && !UsesEpmdModule(spec) ? ["epmd"] : [];

    /// <summary>The first OTP release whose nodes can resolve peers through an EPMD module's address_please/3.</summary>
    public const int EpmdModuleOtpRelease = 21;

    /// <summary>Whether the cluster's Riak nodes load drover_epmd (riak.otp_release 21 or later).</summary>
    public static bool UsesEpmdModule(ClusterSpec spec) =>
        spec.Kind == ClusterKind.Riak && spec.Riak?.OtpRelease is >= EpmdModuleOtpRelease;

    /// <summary>
    /// The admin operation a node runs to leave its cluster before its task is killed (scale down), or null
    /// when killing the task is the way it leaves. Riak's leave is a staged sequence (issue 12). Drill has none:
    /// its graceful shutdown is the executor's stop step of every kill (POST /gracefulShutdown, then wait until the
    /// drillbit has unregistered, before SIGTERM). Asked for as an admin operation first, Drill only answers that
    /// the shutdown is triggered and exits by itself: the kill that follows at once asked it a second time, and the
    /// drillbit's own exit could have the executor restart it before that kill arrived.
    /// </summary>
    public static string? LeaveOperation(ClusterKind kind) => kind switch
    {
        ClusterKind.Cassandra => "decommission",
        _ => null,
    };

    /// <summary>Whether the personality checks the service's health itself (every kind but GENERIC).</summary>
    public static bool HasOwnHealthChecks(ClusterKind kind) => kind is not (ClusterKind.Generic or ClusterKind.Unspecified);

    /// <summary>The drover.v1.ServiceKind of the NodeSpec.</summary>
    public static V1.ServiceKind ToProto(ClusterKind kind) => kind switch
    {
        ClusterKind.Generic => V1.ServiceKind.Generic,
        ClusterKind.Cassandra => V1.ServiceKind.Cassandra,
        ClusterKind.Riak => V1.ServiceKind.Riak,
        ClusterKind.Drill => V1.ServiceKind.Drill,
        ClusterKind.Quobyte => V1.ServiceKind.Quobyte,
        _ => V1.ServiceKind.Unspecified,
    };
}
