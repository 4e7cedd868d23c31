using Drover.Scheduler.Model;

namespace Drover.Scheduler.Plans.Drill;

/// <summary>The dataset size last stated for a Drill cluster and the scale down it leads to, if any.</summary>
public sealed record DrillState
{
    /// <summary>MB of the dataset about to be queried, as last stated.</summary>
    public double? DatasetMb { get; init; }

    public DateTimeOffset? StatedAt { get; init; }

    /// <summary>The drillbit count the statement asks for (ceil(size / qsf), bounded).</summary>
    public int? Desired { get; init; }

    /// <summary>When surplus drillbits leave if nothing asks for more before (the idle period after the first smaller statement).</summary>
    public DateTimeOffset? ScaleDownAt { get; init; }
}

/// <summary>The operator's view of a Drill cluster (<c>service.drill</c>).</summary>
public sealed record DrillView
{
    public double QsfMb { get; init; }

    public int MinDrillbits { get; init; }

    /// <summary>Null: the cluster is not sized on demand (no drill.max_drillbits).</summary>
    public int? MaxDrillbits { get; init; }

    public double IdlePeriodSeconds { get; init; }

    public double? DatasetMb { get; init; }

    public DateTimeOffset? StatedAt { get; init; }

    public int? Desired { get; init; }

    /// <summary>The drillbit count now asked for (the spec's count).</summary>
    public int Count { get; init; }

    public DateTimeOffset? ScaleDownAt { get; init; }

    /// <summary>The drillbits, with the address SQL clients connect to (their <c>user</c> port).</summary>
    public required IReadOnlyList<DrillbitView> Drillbits { get; init; }

    /// <summary>Where SQL clients find the drillbits in ZooKeeper: <c>jdbc:drill:zk=&lt;connect&gt;/&lt;zk_root&gt;/&lt;cluster_id&gt;</c>.</summary>
    public string? ClusterId { get; init; }

    public string? ZkRoot { get; init; }
}

public sealed record DrillbitView
{
    public required string Node { get; init; }

    public string? Host { get; init; }

    public int? UserPort { get; init; }

    /// <summary>host:user_port.</summary>
    public string? User { get; init; }

    public required NodePhase Phase { get; init; }

    public bool? Healthy { get; init; }
}
