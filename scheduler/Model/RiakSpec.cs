namespace Drover.Scheduler.Model;

/// <summary>A RIAK cluster's own settings (<c>riak</c> in the spec).</summary>
public sealed record RiakSpec
{
    /// <summary>
    /// The OTP release the installed Riak runs on (e.g. 25 for Riak 3.2, 22 for Riak 3.0, 16 for Riak 2.2). From
    /// OTP 21 the nodes load Drover's EPMD module (<c>-epmd_module drover_epmd</c>), which resolves every peer
    /// through the node's own cEPMD, so each task's <c>epmd</c> port can be any number and two nodes can share an
    /// agent. Older (or unknown) releases dial a peer's host at their own ERL_EPMD_PORT: the port must then be
    /// one fixed number for the whole cluster.
    /// </summary>
    public int? OtpRelease { get; set; }
}
