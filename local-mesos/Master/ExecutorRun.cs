using Drover.LocalMesos.Agent;
using Drover.Mesos.Resources;
using Drover.Mesos.V1;

namespace Drover.LocalMesos.Master;

/// <summary>
/// One executor on one emulated agent: the agent emulator serving its executor API (created at the first launch) and
/// the real executor process. What is sent to it goes through one queue, in order (a LAUNCH before the KILL of the
/// same task), off the master's loop: sending waits for the executor to subscribe.
/// </summary>
internal sealed class ExecutorRun(string frameworkId, ExecutorInfo info, ResourceSet resources, string sandboxHint)
{
    private readonly object _gate = new();
    private Task _tail = Task.CompletedTask;

    public string FrameworkId { get; } = frameworkId;

    public ExecutorInfo Info { get; } = info;

    public string Id => Info.ExecutorId.Value;

    /// <summary>The executor's own resources (no allocation info).</summary>
    public ResourceSet Resources { get; } = resources;

    public MesosAgentEmulator? Emulator { get; set; }

    public ExecutorProcess? Process { get; set; }

    public string Sandbox { get; set; } = sandboxHint;

    public HashSet<string> Tasks { get; } = new(StringComparer.Ordinal);

    public bool Exited { get; set; }

    /// <summary>Queues <paramref name="send"/> after everything queued before it; failures are reported to <paramref name="failed"/>.</summary>
    public void Enqueue(Func<ExecutorRun, Task> send, Action<Exception> failed)
    {
        lock (_gate)
        {
            _tail = _tail.ContinueWith(
                async _ =>
                {
                    try
                    {
                        await send(this).ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        failed(e);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default).Unwrap();
        }
    }
}
