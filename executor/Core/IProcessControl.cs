using Drover.Executor.Tasks;
using Drover.Posix;

namespace Drover.Executor.Core;

/// <summary>The processes of this executor as the loop uses them: services to start, descendants to find and sweep.</summary>
public interface IProcessControl : IDisposable
{
    /// <summary>Spawns the plan's command in a session of its own. Throws <see cref="LaunchException"/> when it cannot start.</summary>
    IServiceProcess Start(LaunchPlan plan);

    /// <summary>Every live descendant of the executor.</summary>
    IReadOnlyList<ProcessInfo> Descendants();

    /// <summary>Whether any process is left in the group.</summary>
    bool GroupExists(int processGroupId);

    /// <summary>SIGKILL to every descendant but <paramref name="except"/>; how many were signalled.</summary>
    int KillDescendants(IReadOnlyCollection<int> except);
}

/// <summary>One running incarnation of a service: a process leading its own session and process group.</summary>
public interface IServiceProcess
{
    int Pid { get; }

    /// <summary>Also the session id: the service is spawned with setsid.</summary>
    int ProcessGroupId { get; }

    long StartedUnixMs { get; }

    /// <summary>
    /// Completes once the service's stdout and stderr reached end of file and are in their files: every writer
    /// closed them, which a process outside the service's session may delay.
    /// </summary>
    Task OutputClosed { get; }

    /// <summary>Signals the whole process group; false when nothing is left in it.</summary>
    bool SignalGroup(int signal);

    /// <summary>SIGKILL to everything in the service's session.</summary>
    void KillSession();
}
