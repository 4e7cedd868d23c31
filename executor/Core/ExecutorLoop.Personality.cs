using Drover.Executor.Health;
using Drover.Executor.Logging;
using Drover.Executor.Personalities;
using Drover.Executor.Tasks;
using Drover.Posix;
using Drover.V1;
using Google.Protobuf;
using Drover.Mesos.V1.Executor;

namespace Drover.Executor.Core;

/// <summary>
/// What personalities add to a task's life: rendered files before the first start, their own probes, the
/// graceful-stop steps before SIGTERM, admin operations asked for in framework messages, and the helpers
/// that live with the task.
/// </summary>
public sealed partial class ExecutorLoop
{
    /// <summary>Admin output sent back at most this long: a MESSAGE is not a log transport.</summary>
    private const int MaxAdminOutput = 16 * 1024;

    private readonly List<Task> _resourceDisposals = [];

    /// <summary>Writes the personality's files and directories; false (and the task failed) when the sandbox refuses.</summary>
    private bool PrepareFiles(ServiceTask task)
    {
        var plan = task.Plan;
        try
        {
            foreach (var directory in plan.Directories)
            {
                Directory.CreateDirectory(directory);
            }

            foreach (var file in plan.Files)
            {
                var path = Path.GetFullPath(Path.Combine(plan.ConfigDirectory!, file.RelativePath));
                if (!path.StartsWith(Path.GetFullPath(plan.ConfigDirectory!).TrimEnd('/') + "/", StringComparison.Ordinal))
                {
                    throw new IOException($"rendered file '{file.RelativePath}' would leave {plan.ConfigDirectory}");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, file.Content);
                if (OperatingSystem.IsLinux())
                {
                    File.SetUnixFileMode(path, file.Mode); // scripts the service runs need their x bit
                }
            }

            if (plan.Files.Count > 0)
            {
                Log.Info($"rendered {plan.Files.Count} file(s) into {plan.ConfigDirectory}: {string.Join(", ", plan.Files.Select(f => f.RelativePath))}", task.Id);
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var message = $"cannot write the service's configuration: {e.Message}";
            Log.Error(message, task.Id);
            Terminate(task, Mesos.V1.TaskState.TaskFailed, message);
            return false;
        }
    }

    /// <summary>A personality probe: like a network probe, its timeout and any exception are failures.</summary>
    private async Task RunPersonalityProbeAsync(string taskId, long incarnation, int index, long attempt, HealthCheckDefinition check)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var timeout = check.Timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
        ProbeResult result;
        try
        {
            result = await check.Probe!.ProbeAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            result = new ProbeResult(false, $"{check.Name} check has not returned after {Drover.Mesos.MesosDuration.Format(check.Timeout ?? TimeSpan.Zero)}; aborting");
        }
        catch (Exception e)
        {
            result = new ProbeResult(false, $"{check.Name} check failed: {e.Message}");
        }

        Post(new HealthCheckCompleted(taskId, incarnation, index, attempt, result, System.Diagnostics.Stopwatch.GetElapsedTime(started)));
    }

    /// <summary>
    /// The graceful part of a kill (Cassandra's drain, Drill's graceful shutdown). The steps get the grace
    /// period minus a quarter kept for SIGTERM; whatever happens, SIGTERM follows, and SIGKILL still comes
    /// at the deadline.
    /// </summary>
    private void BeginStop(ServiceTask task, TimeSpan grace)
    {
        var steps = task.Plan.StopSteps;
        if (steps.Count == 0 || task.Process is null)
        {
            SendSigterm(task, grace);
            return;
        }

        var budget = grace - (grace / 4);
        Log.Info($"stopping gracefully first: {string.Join(", ", steps.Select(s => s.Name))} (within {Drover.Mesos.MesosDuration.Format(budget)}), then SIGTERM", task.Id);
        _ = RunStopStepsAsync(task.Id, task.Kill!.Id, steps, budget);
    }

    private async Task RunStopStepsAsync(string taskId, long killId, IReadOnlyList<StopStep> steps, TimeSpan budget)
    {
        using var overall = new CancellationTokenSource(budget);
        foreach (var step in steps)
        {
            using var one = CancellationTokenSource.CreateLinkedTokenSource(overall.Token);
            one.CancelAfter(step.Timeout);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                await step.RunAsync(one.Token).ConfigureAwait(false);
                Log.Info($"stop step '{step.Name}' done in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:0.###}s", taskId);
            }
            catch (OperationCanceledException) when (one.IsCancellationRequested)
            {
                Log.Warning($"stop step '{step.Name}' did not finish in time; going on", taskId);
            }
            catch (Exception e)
            {
                Log.Warning($"stop step '{step.Name}' failed: {e.Message}; going on", taskId);
            }

            if (overall.IsCancellationRequested)
            {
                break;
            }
        }

        Post(new StopStepsFinished(taskId, killId));
    }

    private void OnStopStepsFinished(StopStepsFinished finished)
    {
        if (_tasks.TryGetValue(finished.TaskId, out var task) && task.Phase == TaskPhase.Killing && task.Kill?.Id == finished.KillId)
        {
            SendSigterm(task, TimeSpan.FromMilliseconds(Math.Max(0, task.Kill.DeadlineMs - NowMs)));
        }
    }

    private static void SendSigterm(ServiceTask task, TimeSpan untilKill)
    {
        Log.Info($"SIGTERM to process group {task.Process?.ProcessGroupId}, SIGKILL in {Drover.Mesos.MesosDuration.Format(untilKill)}", task.Id);
        task.Process?.SignalGroup(Signals.SIGTERM);
    }

    /// <summary>The task's helpers go after its terminal update; exit waits for them (boundedly).</summary>
    private void DisposeResources(ServiceTask task)
    {
        foreach (var resource in task.Plan.Resources)
        {
            _resourceDisposals.Add(DisposeQuietlyAsync(resource, task.Id));
        }
    }

    private static async Task DisposeQuietlyAsync(IAsyncDisposable resource, string taskId)
    {
        try
        {
            await resource.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.Warning($"closing {resource.GetType().Name} failed: {e.Message}", taskId);
        }
    }

    /// <summary>
    /// A framework message: an AdminRequest for one of our tasks. Anything else is logged and dropped, as
    /// Mesos delivers framework messages at most once and the scheduler needs no answer for garbage.
    /// </summary>
    private void OnFrameworkMessage(ByteString data)
    {
        AdminRequest request;
        try
        {
            request = AdminRequest.Parser.ParseFrom(data);
        }
        catch (InvalidProtocolBufferException e)
        {
            Log.Warning($"framework message of {data.Length} bytes is not a drover.v1.AdminRequest ({e.Message}); dropped");
            return;
        }

        if (request.Operation.Length == 0)
        {
            Log.Warning($"framework message of {data.Length} bytes names no admin operation; dropped");
            return;
        }

        var reply = new AdminReply { RequestId = request.RequestId, TaskId = request.TaskId, Operation = request.Operation };
        if (!_tasks.TryGetValue(request.TaskId, out var task))
        {
            SendAdminReply(Rejected(reply, $"no task '{request.TaskId}' on this executor"));
            return;
        }

        var operation = task.Plan.AdminOperations.FirstOrDefault(o => o.Name == request.Operation);
        if (operation is null)
        {
            var known = task.Plan.AdminOperations.Count == 0 ? "it has none" : "it has " + string.Join(", ", task.Plan.AdminOperations.Select(o => o.Name));
            SendAdminReply(Rejected(reply, $"task '{task.Id}' has no admin operation '{request.Operation}'; {known}"));
            return;
        }

        if (task.Phase != TaskPhase.Running)
        {
            SendAdminReply(Rejected(reply, $"task '{task.Id}' is {task.Phase.ToString().ToLowerInvariant()}, not running"));
            return;
        }

        Log.Info($"admin operation '{operation.Name}' (request '{request.RequestId}') starts", task.Id);
        _ = RunAdminAsync(operation, new Dictionary<string, string>(request.Arguments, StringComparer.Ordinal), reply);
    }

    private async Task RunAdminAsync(AdminOperation operation, IReadOnlyDictionary<string, string> arguments, AdminReply reply)
    {
        using var timeout = new CancellationTokenSource(operation.Timeout);
        try
        {
            var result = await operation.RunAsync(arguments, timeout.Token).ConfigureAwait(false);
            reply.Outcome = result.Ok ? AdminReply.Types.Outcome.Succeeded : AdminReply.Types.Outcome.Failed;
            reply.Output = Bounded(result.Output);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            reply.Outcome = AdminReply.Types.Outcome.TimedOut;
            reply.Output = $"'{operation.Name}' did not finish within {Drover.Mesos.MesosDuration.Format(operation.Timeout)}";
        }
        catch (Exception e)
        {
            reply.Outcome = AdminReply.Types.Outcome.Failed;
            reply.Output = Bounded(e.Message);
        }

        Post(new AdminCompleted(reply));
    }

    private void OnAdminCompleted(AdminCompleted completed)
    {
        var reply = completed.Reply;
        Log.Info($"admin operation '{reply.Operation}' (request '{reply.RequestId}') {reply.Outcome.ToString().ToLowerInvariant()}", reply.TaskId);
        SendAdminReply(reply);
    }

    private static AdminReply Rejected(AdminReply reply, string why)
    {
        reply.Outcome = AdminReply.Types.Outcome.Rejected;
        reply.Output = why;
        return reply;
    }

    /// <summary>Replies go out like updates, through the ordered sender; one that cannot be sent now is dropped (messages are at-most-once).</summary>
    private void SendAdminReply(AdminReply reply)
    {
        if (reply.Outcome == AdminReply.Types.Outcome.Rejected)
        {
            Log.Warning($"admin request '{reply.RequestId}' rejected: {reply.Output}", reply.TaskId);
        }

        if (_agentState != AgentState.Subscribed)
        {
            Log.Warning($"admin reply for request '{reply.RequestId}' dropped: not connected to the agent", reply.TaskId);
            return;
        }

        var call = NewCall(Call.Types.Type.Message);
        call.Message = new Call.Types.Message { Data = reply.ToByteString() };
        _agent.Enqueue(call, _connectionId, updateUuid: null);
    }

    private static string Bounded(string text) =>
        text.Length <= MaxAdminOutput ? text : "[...]" + text[^MaxAdminOutput..];
}
