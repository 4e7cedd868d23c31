using System.Text.Json;

namespace Drover.Scheduler.EndToEnd.Tests.Support;

/// <summary>A task as the master knows it.</summary>
public sealed record MesosTask(string Id, string State, string FrameworkId, string AgentId);

/// <summary>One reserved resource on an agent, with the labels Drover puts on its reservations.</summary>
public sealed record Reserved(string AgentId, string Role, string Name, string? Framework, string? Entry, string? PersistenceId);

/// <summary>
/// What the local Mesos master holds (its <c>/master/state</c> and each agent's state): frameworks, tasks, and every
/// reservation and volume with its labels. The truth the scheduler's own view is checked against.
/// </summary>
public sealed class MesosView
{
    public required IReadOnlyList<(string Id, string Name, bool Connected)> Frameworks { get; init; }

    public required IReadOnlyList<MesosTask> Tasks { get; init; }

    public required IReadOnlyList<Reserved> Reservations { get; init; }

    public required IReadOnlyList<(string Id, string Hostname, bool Active)> Agents { get; init; }

    public static async Task<MesosView> ReadAsync(LocalMesos.LocalMesos mesos)
    {
        using var state = JsonDocument.Parse(await mesos.StateJsonAsync());
        var root = state.RootElement;
        var frameworks = root.GetProperty("frameworks").EnumerateArray()
            .Select(f => (f.GetProperty("id").GetString()!, f.GetProperty("name").GetString()!, f.GetProperty("connected").GetBoolean())).ToList();
        var tasks = root.GetProperty("frameworks").EnumerateArray().SelectMany(f => f.GetProperty("tasks").EnumerateArray())
            .Select(t => new MesosTask(t.GetProperty("id").GetString()!, t.GetProperty("state").GetString()!, t.GetProperty("framework_id").GetString()!, t.GetProperty("slave_id").GetString()!))
            .ToList();
        var agents = root.GetProperty("slaves").EnumerateArray()
            .Select(a => (a.GetProperty("id").GetString()!, a.GetProperty("hostname").GetString()!, a.GetProperty("active").GetBoolean())).ToList();
        var reservations = new List<Reserved>();
        foreach (var agent in root.GetProperty("slaves").EnumerateArray())
        {
            var agentId = agent.GetProperty("id").GetString()!;
            foreach (var role in agent.GetProperty("reserved_resources_full").EnumerateObject())
            {
                foreach (var resource in role.Value.EnumerateArray())
                {
                    var labels = Labels(resource);
                    string? persistence = null;
                    if (resource.TryGetProperty("disk", out var disk) && disk.TryGetProperty("persistence", out var p))
                    {
                        persistence = p.GetProperty("id").GetString();
                    }

                    reservations.Add(new Reserved(agentId, role.Name, resource.GetProperty("name").GetString()!,
                        labels.GetValueOrDefault("drover.framework"), labels.GetValueOrDefault("drover.reservation"), persistence));
                }
            }
        }

        return new MesosView { Frameworks = frameworks, Tasks = tasks, Reservations = reservations, Agents = agents };
    }

    /// <summary>The framework's tasks.</summary>
    public IReadOnlyList<MesosTask> TasksOf(string frameworkId) => [.. Tasks.Where(t => t.FrameworkId == frameworkId)];

    /// <summary>The ledger entries (labels) of every resource reserved by framework <paramref name="framework"/> (by name).</summary>
    public IReadOnlySet<string> EntriesOf(string framework) =>
        Reservations.Where(r => r.Framework == framework).Select(r => r.Entry ?? "(unlabelled)").ToHashSet(StringComparer.Ordinal);

    public string Describe() => string.Join("\n", Tasks.Select(t => $"task {t.Id} {t.State} on {t.AgentId}")
        .Concat(Reservations.GroupBy(r => (r.AgentId, r.Entry)).Select(g => $"reserved on {g.Key.AgentId}: {g.Key.Entry} ({string.Join(",", g.Select(r => r.PersistenceId is null ? r.Name : "volume " + r.PersistenceId))})")));

    private static Dictionary<string, string> Labels(JsonElement resource)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!resource.TryGetProperty("reservations", out var stack))
        {
            return labels;
        }

        foreach (var reservation in stack.EnumerateArray())
        {
            if (reservation.TryGetProperty("labels", out var set) && set.TryGetProperty("labels", out var list))
            {
                foreach (var label in list.EnumerateArray())
                {
                    labels[label.GetProperty("key").GetString()!] = label.TryGetProperty("value", out var value) ? value.GetString()! : "";
                }
            }
        }

        return labels;
    }
}
