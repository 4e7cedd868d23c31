using Drover.Executor.Core;
using Drover.Executor.Tasks;
using Drover.Posix;

namespace Drover.Executor.Supervision;

/// <summary>The executor's real processes: services spawned with their output pumped into rotating files, and /proc for descendants.</summary>
public sealed class HostProcesses : IProcessControl
{
    private readonly OutputPump _pump = new();

    public IServiceProcess Start(LaunchPlan plan) => ServiceProcess.Start(plan, _pump);

    public IReadOnlyList<ProcessInfo> Descendants() => ProcessTree.Descendants(Environment.ProcessId);

    public bool GroupExists(int processGroupId) => Signals.GroupExists(processGroupId);

    public int KillDescendants(IReadOnlyCollection<int> except) =>
        ProcessTree.KillAll(Environment.ProcessId, Signals.SIGKILL, includeRoot: false, except: except);

    public void Dispose() => _pump.Dispose();
}
