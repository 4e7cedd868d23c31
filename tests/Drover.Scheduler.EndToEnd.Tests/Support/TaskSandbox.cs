using System.Text.Json;

namespace Drover.Scheduler.EndToEnd.Tests.Support;

/// <summary>
/// Where a task's executor runs on its agent of the local Mesos (the agent's state: the task's executor id, that
/// executor's directory), and what the service left there: its stdout (the stand-in's own record of what it was
/// asked) and the files its executor rendered for it.
/// </summary>
public static class TaskSandbox
{
    /// <summary>The sandbox of the executor of <paramref name="taskId"/> on <paramref name="agentId"/>, or null while the agent does not list it.</summary>
    public static async Task<string?> FindAsync(LocalMesos.LocalMesos mesos, string agentId, string taskId)
    {
        var bytes = await mesos.AgentStateJsonAsync(agentId);
        if (bytes is null)
        {
            return null;
        }

        using var state = JsonDocument.Parse(bytes);
        var executorId = state.RootElement.GetProperty("tasks").EnumerateArray()
            .Where(t => t.GetProperty("id").GetString() == taskId)
            .Select(t => t.GetProperty("executor_id").GetString())
            .FirstOrDefault();
        return executorId is null ? null : state.RootElement.GetProperty("executors").EnumerateArray()
            .Where(e => e.GetProperty("id").GetString() == executorId)
            .Select(e => e.GetProperty("directory").GetString())
            .FirstOrDefault();
    }

    /// <summary>The sandbox of a task that runs now; an error naming the task when its agent does not list it.</summary>
    public static async Task<string> OfAsync(LocalMesos.LocalMesos mesos, string agentId, string taskId) =>
        await FindAsync(mesos, agentId, taskId) ?? throw new InvalidOperationException($"agent {agentId} lists no executor for task {taskId}");

    /// <summary>What the service of <paramref name="taskId"/> printed on stdout so far (the executor keeps it at tasks/&lt;task&gt;/stdout).</summary>
    public static string ServiceStdout(string sandbox, string taskId)
    {
        var path = Path.Combine(sandbox, "tasks", taskId, "stdout");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }
}
