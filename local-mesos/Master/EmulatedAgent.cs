using Drover.Mesos.Resources;
using Drover.Mesos.V1;

namespace Drover.LocalMesos.Master;

/// <summary>Whether the master can reach an agent.</summary>
internal enum AgentState
{
    Active,

    /// <summary>Partitioned: its tasks are UNREACHABLE, nothing is offered, its executors' updates wait.</summary>
    Unreachable,
}

/// <summary>
/// One emulated agent as the master knows it: what it has (<see cref="Total"/>, with the dynamic reservations and
/// persistent volumes applied, as the agent checkpoints them), what is neither used nor offered (<see cref="Free"/>),
/// and the executors running on it. An agent that runs nothing is only this object: no process, no socket.
/// Resources here carry no allocation info; offers and tasks add and strip it.
/// </summary>
internal sealed class EmulatedAgent(AgentInfo info, string workDirectory, ResourceSet total)
{
    public AgentInfo Info { get; } = info;

    public string Id => Info.Id.Value;

    public string Hostname => Info.Hostname;

    /// <summary>The agent's --work_dir: sandboxes under slaves/, volumes under volumes/roles/&lt;role&gt;/&lt;persistence id&gt;.</summary>
    public string WorkDirectory { get; } = workDirectory;

    public ResourceSet Total { get; set; } = total;

    public ResourceSet Free { get; set; } = total;

    public AgentState State { get; set; } = AgentState.Active;

    public DateTimeOffset? UnreachableSince { get; set; }

    /// <summary>Executors by (framework id, executor id); created on first launch.</summary>
    public Dictionary<(string Framework, string Executor), ExecutorRun> Executors { get; } = [];

    /// <summary>Executor updates that arrived while the agent was unreachable, forwarded when it is back.</summary>
    public List<Action> Held { get; } = [];

    public string VolumePath(string role, string persistenceId) =>
        Path.Combine(WorkDirectory, "volumes", "roles", role, persistenceId);
}
