namespace Drover.Scheduler.Configuration;

/// <summary>What the scheduler loop needs to know of its framework and deployment (flags and environment fill it).</summary>
public sealed record SchedulerOptions
{
    public static readonly TimeSpan DefaultFailoverTimeout = TimeSpan.FromDays(7);

    /// <summary>The framework name: one set of clusters, its own ZooKeeper root and reservation labels.</summary>
    public required string Framework { get; init; }

    /// <summary>The role the framework reserves in; frameworks may share it (labels tell whose a reservation is).</summary>
    public string Role { get; init; } = "drover";

    public string? Principal { get; init; }

    /// <summary>The user tasks run as (FrameworkInfo.user); empty: the agent's.</summary>
    public string User { get; init; } = "";

    public TimeSpan FailoverTimeout { get; init; } = DefaultFailoverTimeout;

    public string? Hostname { get; init; }

    public string? WebUiUrl { get; init; }

    /// <summary>The executor's packaged tarball (fetched and extracted by the agent).</summary>
    public string ExecutorUri { get; init; } = "";

    /// <summary>What runs in the sandbox once the tarball is extracted.</summary>
    public string ExecutorCommand { get; init; } = "./drover-executor";

    public double ExecutorCpus { get; init; } = 0.1;

    public double ExecutorMem { get; init; } = 64;

    public double ExecutorDisk { get; init; } = 16;

    /// <summary>The node registry's ZooKeeper for clusters whose spec names none (NodeSpec.zookeeper); null: no registry.</summary>
    public string? RegistryConnect { get; init; }

    public string RegistryRoot { get; init; } = "/drover";

    /// <summary>How long a declined offer's resources stay away (REVIVE clears it when a new need appears).</summary>
    public TimeSpan DeclineRefuse { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The refuse filter while reconciling: short, since the offers will be wanted soon.</summary>
    public TimeSpan ReconcilingDeclineRefuse { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ReconcileInitialBackoff { get; init; } = TimeSpan.FromSeconds(4);

    public TimeSpan ReconcileMaxBackoff { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ImplicitReconcileInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Backoff before relaunching a node that failed, doubling per consecutive failure.</summary>
    public TimeSpan RelaunchInitialBackoff { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan RelaunchMaxBackoff { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Admin operations kept for display.</summary>
    public int AdminOperationsKept { get; init; } = 100;
}
