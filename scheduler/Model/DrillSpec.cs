namespace Drover.Scheduler.Model;

/// <summary>
/// A DRILL cluster's query scale factor (<c>drill</c> in the spec): for a dataset of <c>size</c> MB about to be
/// queried, the cluster runs ceil(size / qsf_mb) drillbits, bounded by min_drillbits and max_drillbits. More
/// drillbits start at once; fewer only after <c>idle_period</c> without a request for more.
/// </summary>
public sealed record DrillSpec
{
    /// <summary>MB of dataset per drillbit (default 100, the Dromedar design's 1:100).</summary>
    public double? QsfMb { get; set; }

    /// <summary>Default 1.</summary>
    public int? MinDrillbits { get; set; }

    /// <summary>Required to size the cluster on demand: without it, only the operator's count applies.</summary>
    public int? MaxDrillbits { get; set; }

    /// <summary>How long surplus drillbits stay before they leave (Mesos duration, default 10mins).</summary>
    public string? IdlePeriod { get; set; }
}
