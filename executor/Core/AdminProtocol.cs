using Drover.Executor.Personalities;
using Drover.Executor.Tasks;
using Drover.Mesos;
using Drover.V1;
using Google.Protobuf;

namespace Drover.Executor.Core;

/// <summary>
/// The admin request/reply protocol, as pure functions: a framework message carries a drover.v1.AdminRequest
/// naming a task and one of its operations; the answer is a drover.v1.AdminReply (SUCCEEDED, FAILED,
/// REJECTED with the reason, TIMED_OUT) sent back in a MESSAGE call.
/// </summary>
public static class AdminProtocol
{
    /// <summary>Admin output sent back at most this long: a MESSAGE is not a log transport.</summary>
    public const int MaxOutput = 16 * 1024;

    /// <summary>What a framework message asks for.</summary>
    public abstract record Decision;

    /// <summary>Not an admin request at all: logged and dropped (framework messages are at-most-once, and garbage needs no answer).</summary>
    public sealed record Drop(string Why) : Decision;

    /// <summary>An admin request that cannot run here: the reply says why.</summary>
    public sealed record Reject(AdminReply Reply) : Decision;

    /// <summary>Run <paramref name="Operation"/> of task <paramref name="TaskId"/>; <paramref name="Reply"/> is filled in when it ends.</summary>
    public sealed record Run(string TaskId, AdminOperation Operation, IReadOnlyDictionary<string, string> Arguments, AdminReply Reply) : Decision;

    /// <summary>Decodes <paramref name="data"/> and checks it against the task it names (<paramref name="findTask"/>).</summary>
    public static Decision Decide(ByteString data, Func<string, ServiceTask?> findTask)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(findTask);
        AdminRequest request;
        try
        {
            request = AdminRequest.Parser.ParseFrom(data);
        }
        catch (InvalidProtocolBufferException e)
        {
            return new Drop($"framework message of {data.Length} bytes is not a drover.v1.AdminRequest ({e.Message}); dropped");
        }

        if (request.Operation.Length == 0)
        {
            return new Drop($"framework message of {data.Length} bytes names no admin operation; dropped");
        }

        var reply = new AdminReply { RequestId = request.RequestId, TaskId = request.TaskId, Operation = request.Operation };
        if (findTask(request.TaskId) is not { } task)
        {
            return new Reject(Rejected(reply, $"no task '{request.TaskId}' on this executor"));
        }

        var operation = task.Plan.AdminOperations.FirstOrDefault(o => o.Name == request.Operation);
        if (operation is null)
        {
            var known = task.Plan.AdminOperations.Count == 0 ? "it has none" : "it has " + string.Join(", ", task.Plan.AdminOperations.Select(o => o.Name));
            return new Reject(Rejected(reply, $"task '{task.Id}' has no admin operation '{request.Operation}'; {known}"));
        }

        if (task.Phase != TaskPhase.Running)
        {
            return new Reject(Rejected(reply, $"task '{task.Id}' is {task.Phase.ToString().ToLowerInvariant()}, not running"));
        }

        return new Run(task.Id, operation, new Dictionary<string, string>(request.Arguments, StringComparer.Ordinal), reply);
    }

    /// <summary>Runs the operation within its timeout (on <paramref name="time"/>); the reply says how it ended.</summary>
    public static async Task<AdminReply> RunAsync(Run run, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(run);
        var (operation, reply) = (run.Operation, run.Reply);
        using var timeout = new CancellationTokenSource(operation.Timeout, time);
        try
        {
            var result = await operation.RunAsync(run.Arguments, timeout.Token).ConfigureAwait(false);
            reply.Outcome = result.Ok ? AdminReply.Types.Outcome.Succeeded : AdminReply.Types.Outcome.Failed;
            reply.Output = Bounded(result.Output);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            reply.Outcome = AdminReply.Types.Outcome.TimedOut;
            reply.Output = $"'{operation.Name}' did not finish within {MesosDuration.Format(operation.Timeout)}";
        }
        catch (Exception e)
        {
            reply.Outcome = AdminReply.Types.Outcome.Failed;
            reply.Output = Bounded(e.Message);
        }

        return reply;
    }

    private static AdminReply Rejected(AdminReply reply, string why)
    {
        reply.Outcome = AdminReply.Types.Outcome.Rejected;
        reply.Output = why;
        return reply;
    }

    /// <summary>The last <see cref="MaxOutput"/> characters, marked when cut.</summary>
    public static string Bounded(string text) =>
        text.Length <= MaxOutput ? text : "[...]" + text[^MaxOutput..];
}
