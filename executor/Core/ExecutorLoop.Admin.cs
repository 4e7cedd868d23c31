using Drover.Logging;
using Drover.Mesos.V1.Executor;
using Drover.V1;
using Google.Protobuf;

namespace Drover.Executor.Core;

/// <summary>Admin operations asked for in framework messages (<see cref="AdminProtocol"/>), answered in MESSAGE calls.</summary>
public sealed partial class ExecutorLoop
{
    private void OnFrameworkMessage(ByteString data)
    {
        switch (AdminProtocol.Decide(data, id => _tasks.GetValueOrDefault(id)))
        {
            case AdminProtocol.Drop drop:
                Log.Warning(drop.Why);
                break;
            case AdminProtocol.Reject reject:
                SendAdminReply(reject.Reply);
                break;
            case AdminProtocol.Run run:
                Log.Info($"admin operation '{run.Operation.Name}' (request '{run.Reply.RequestId}') starts", run.TaskId);
                AdminProtocol.RunAsync(run, _time).ContinueWith(
                    done => Post(new AdminCompleted(done.Result)),
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                break;
        }
    }

    private void OnAdminCompleted(AdminCompleted completed)
    {
        var reply = completed.Reply;
        Log.Info($"admin operation '{reply.Operation}' (request '{reply.RequestId}') {reply.Outcome.ToString().ToLowerInvariant()}", reply.TaskId);
        SendAdminReply(reply);
    }

    /// <summary>Replies go out like updates, through the ordered sender; one that cannot be sent now is dropped (messages are at-most-once).</summary>
    private void SendAdminReply(AdminReply reply)
    {
        if (reply.Outcome == AdminReply.Types.Outcome.Rejected)
        {
            Log.Warning($"admin request '{reply.RequestId}' rejected: {reply.Output}", reply.TaskId);
        }

        if (_link is not AgentLink.Subscribed subscribed)
        {
            Log.Warning($"admin reply for request '{reply.RequestId}' dropped: not connected to the agent", reply.TaskId);
            return;
        }

        var call = NewCall(Call.Types.Type.Message);
        call.Message = new Call.Types.Message { Data = reply.ToByteString() };
        _agent.Send(call, subscribed.Connection, update: null);
    }
}
