namespace Drover.Registry;

/// <summary>
/// Where a node's service is in its life, as the endpoint record's "state" says. Written as the
/// lowercase names in <see cref="NodeStates"/>; a reader meeting a name it does not know (from a newer
/// writer) gets <see cref="Unknown"/> instead of an error.
/// </summary>
public enum NodeState
{
    /// <summary>A state name this reader does not know. Never written.</summary>
    Unknown,

    /// <summary>The service is being started (TASK_STARTING).</summary>
    Starting,

    /// <summary>The service process is alive (TASK_RUNNING); see the record's "healthy" for its checks.</summary>
    Running,

    /// <summary>The service failed and waits out its restart backoff; no process runs.</summary>
    Restarting,

    /// <summary>The service is being stopped (TASK_KILLING).</summary>
    Killing,

    /// <summary>Terminal: the service exited cleanly (TASK_FINISHED).</summary>
    Finished,

    /// <summary>Terminal: the service failed for good (TASK_FAILED).</summary>
    Failed,

    /// <summary>Terminal: the service was stopped on request (TASK_KILLED).</summary>
    Killed,

    /// <summary>Terminal: the executor lost track of the service (TASK_LOST, TASK_GONE...).</summary>
    Lost,

    /// <summary>Terminal: the service could not be launched (TASK_ERROR).</summary>
    Error,
}

/// <summary>The JSON names of <see cref="NodeState"/>.</summary>
public static class NodeStates
{
    public static string ToJsonName(this NodeState state) => state switch
    {
        NodeState.Starting => "starting",
        NodeState.Running => "running",
        NodeState.Restarting => "restarting",
        NodeState.Killing => "killing",
        NodeState.Finished => "finished",
        NodeState.Failed => "failed",
        NodeState.Killed => "killed",
        NodeState.Lost => "lost",
        NodeState.Error => "error",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Only known states are written."),
    };

    /// <summary>The state of a JSON name; <see cref="NodeState.Unknown"/> for names this version does not know.</summary>
    public static NodeState FromJsonName(string name) => name switch
    {
        "starting" => NodeState.Starting,
        "running" => NodeState.Running,
        "restarting" => NodeState.Restarting,
        "killing" => NodeState.Killing,
        "finished" => NodeState.Finished,
        "failed" => NodeState.Failed,
        "killed" => NodeState.Killed,
        "lost" => NodeState.Lost,
        "error" => NodeState.Error,
        _ => NodeState.Unknown,
    };

    public static bool IsTerminal(this NodeState state) =>
        state is NodeState.Finished or NodeState.Failed or NodeState.Killed or NodeState.Lost or NodeState.Error;
}
