using System.Text.Json;
using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Google.Protobuf;

namespace Drover.LocalMesos.Master;

internal sealed partial class MasterCore
{
    private static readonly JsonFormatter ProtoJson = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));

    /// <summary>The master's state as JSON, in the shape of Mesos' /master/state where the names overlap (read-only).</summary>
    public byte[] StateJson() => Json(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("emulated", "This is Drover's local Mesos: it emulates a Mesos 1.12 master and agents; it is not Mesos.");
        writer.WriteString("version", Version);
        writer.WriteString("id", MasterId);
        if (Leader is { } leader)
        {
            writer.WriteString("leader", $"master@{leader.Address?.Ip}:{leader.Port}");
            writer.WriteString("hostname", leader.Hostname);
        }

        writer.WriteStartArray("frameworks");
        foreach (var framework in _frameworks.Values)
        {
            writer.WriteStartObject();
            writer.WriteString("id", framework.Id);
            writer.WriteString("name", framework.Info.Name);
            writer.WriteString("principal", framework.Info.Principal);
            writer.WriteBoolean("connected", framework.Connected);
            writer.WriteNumber("failover_timeout", framework.Info.FailoverTimeout);
            writer.WriteStartArray("roles");
            foreach (var role in framework.Roles)
            {
                writer.WriteStringValue(role);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("suppressed_roles");
            foreach (var role in framework.Suppressed)
            {
                writer.WriteStringValue(role);
            }

            writer.WriteEndArray();
            writer.WriteNumber("offers", _offers.Values.Count(o => o.FrameworkId.Value == framework.Id));
            WriteTasks(writer, _tasks.Values.Where(t => t.FrameworkId == framework.Id));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteStartArray("slaves");
        foreach (var agent in _agentOrder)
        {
            WriteAgent(writer, agent, withTasks: false);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    /// <summary>One agent's state (like an agent's /state), or null for an unknown id.</summary>
    public byte[]? AgentStateJson(string agentId) => _agents.TryGetValue(agentId, out var agent)
        ? Json(writer => WriteAgent(writer, agent, withTasks: true))
        : null;

    private void WriteAgent(Utf8JsonWriter writer, EmulatedAgent agent, bool withTasks)
    {
        writer.WriteStartObject();
        writer.WriteString("id", agent.Id);
        writer.WriteString("hostname", agent.Hostname);
        writer.WriteBoolean("active", agent.State == AgentState.Active);
        writer.WriteString("work_dir", agent.WorkDirectory);
        writer.WritePropertyName("resources");
        WriteQuantities(writer, agent.Total);
        writer.WritePropertyName("unreserved_resources");
        WriteQuantities(writer, agent.Total.Where(r => !r.IsReserved()));
        writer.WritePropertyName("used_resources");
        WriteQuantities(writer, UsedOn(agent));
        writer.WritePropertyName("offered_resources");
        WriteQuantities(writer, Unallocated(_offers.Values.Where(o => o.AgentId.Value == agent.Id).SelectMany(o => o.Resources)));
        var reserved = agent.Total.Where(r => r.IsReserved()).GroupBy(r => r.ReservationRole()).ToArray();
        writer.WriteStartObject("reserved_resources");
        foreach (var role in reserved)
        {
            writer.WritePropertyName(role.Key);
            WriteQuantities(writer, ResourceSet.Of(role));
        }

        writer.WriteEndObject();
        writer.WriteStartObject("reserved_resources_full");
        foreach (var role in reserved)
        {
            writer.WriteStartArray(role.Key);
            foreach (var resource in role)
            {
                writer.WriteRawValue(ProtoJson.Format(resource));
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteStartArray("attributes");
        foreach (var attribute in agent.Info.Attributes)
        {
            writer.WriteRawValue(ProtoJson.Format(attribute));
        }

        writer.WriteEndArray();
        if (withTasks)
        {
            writer.WriteStartArray("executors");
            foreach (var run in agent.Executors.Values)
            {
                writer.WriteStartObject();
                writer.WriteString("id", run.Id);
                writer.WriteString("framework_id", run.FrameworkId);
                writer.WriteString("directory", run.Sandbox);
                if (run.Process is { } process)
                {
                    writer.WriteNumber("pid", process.Pid);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteTasks(writer, _tasks.Values.Where(t => t.AgentId == agent.Id));
        }

        writer.WriteEndObject();
    }

    private ResourceSet UsedOn(EmulatedAgent agent) =>
        _tasks.Values.Where(t => t.AgentId == agent.Id && !t.Freed).Aggregate(ResourceSet.Empty, (all, t) => all.Plus(t.Resources))
            .Plus(agent.Executors.Values.Aggregate(ResourceSet.Empty, (all, e) => all.Plus(e.Resources)));

    private static void WriteTasks(Utf8JsonWriter writer, IEnumerable<TaskRecord> tasks)
    {
        writer.WriteStartArray("tasks");
        foreach (var task in tasks)
        {
            writer.WriteStartObject();
            writer.WriteString("id", task.Id);
            writer.WriteString("name", task.Info.Name);
            writer.WriteString("framework_id", task.FrameworkId);
            writer.WriteString("slave_id", task.AgentId);
            writer.WriteString("executor_id", task.ExecutorId);
            writer.WriteString("state", task.State.ToString() switch { var s => "TASK_" + s["Task".Length..].ToUpperInvariant() });
            writer.WritePropertyName("resources");
            WriteQuantities(writer, task.Resources);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>{"cpus": 1.5, "mem": 256, "disk": 64, "ports": "[31000-31005]"} as Mesos' endpoints summarise resources.</summary>
    private static void WriteQuantities(Utf8JsonWriter writer, ResourceSet resources)
    {
        writer.WriteStartObject();
        foreach (var name in resources.Select(r => r.Name).Distinct(StringComparer.Ordinal))
        {
            var sample = resources.First(r => r.Name == name);
            if (sample.Type == Value.Types.Type.Ranges)
            {
                writer.WriteString(name, resources.Ranges(name).ToString());
            }
            else
            {
                writer.WriteNumber(name, resources.Scalar(name));
            }
        }

        writer.WriteEndObject();
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        return buffer.ToArray();
    }
}
