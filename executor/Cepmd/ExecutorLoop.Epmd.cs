using Drover.Executor.Cepmd;
using Drover.Executor.Tasks;
using Drover.Mesos.V1;

namespace Drover.Executor.Core;

/// <summary>The task's cEPMD: started before its service, stopped with its terminal update.</summary>
public sealed partial class ExecutorLoop
{
    /// <summary>Listens on the task's `epmd` port, if it has one; a port that cannot be bound fails the task.</summary>
    private bool StartEpmd(ServiceTask task)
    {
        if (TaskEpmd.TryStart(task, _agentInfo?.Hostname, _metrics.Epmd, out var error))
        {
            return true;
        }
        Terminate(task, TaskState.TaskFailed, error!);
        return false;
    }

    /// <summary>Closes the listener and unregisters its nodes; the executor waits for it (boundedly) before exiting.</summary>
    private void StopEpmd(ServiceTask task)
    {
        if (task.Epmd is { } epmd)
        {
            _registryClosings.Add(epmd.StopAsync());
            task.Epmd = null;
        }
    }
}
