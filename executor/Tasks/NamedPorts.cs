using Drover.Mesos.V1;

namespace Drover.Executor.Tasks;

/// <summary>
/// A task's named ports: TaskInfo.discovery.ports, each of which must lie inside the
/// task's own `ports` resources (a port the task does not hold may belong to another task).
/// </summary>
public static class NamedPorts
{
    public static IReadOnlyDictionary<string, int> Resolve(TaskInfo task)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        if (task.Discovery?.Ports is not { } discovered)
        {
            return result;
        }

        var held = HeldRanges(task);
        foreach (var port in discovered.Ports_)
        {
            if (!port.HasName || port.Name.Length == 0)
            {
                continue;
            }

            if (port.Number is 0 or > 65535)
            {
                throw new LaunchException($"discovery port '{port.Name}' has number {port.Number}, which is not a TCP/UDP port");
            }

            if (!Contains(held, port.Number))
            {
                throw new LaunchException($"discovery port '{port.Name}' ({port.Number}) is not among the task's ports resources {Describe(held)}");
            }

            if (!result.TryAdd(port.Name, (int)port.Number))
            {
                throw new LaunchException($"discovery port name '{port.Name}' appears twice");
            }
        }

        return result;
    }

    private static List<(ulong Begin, ulong End)> HeldRanges(TaskInfo task)
    {
        var ranges = new List<(ulong, ulong)>();
        foreach (var resource in task.Resources)
        {
            if (resource.Name == "ports" && resource.Ranges is { } r)
            {
                foreach (var range in r.Range)
                {
                    ranges.Add((range.Begin, range.End));
                }
            }
        }

        return ranges;
    }

    private static bool Contains(List<(ulong Begin, ulong End)> ranges, uint port)
    {
        foreach (var (begin, end) in ranges)
        {
            if (port >= begin && port <= end)
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(List<(ulong Begin, ulong End)> ranges) =>
        ranges.Count == 0 ? "(none)" : "[" + string.Join(", ", ranges.Select(r => r.Begin == r.End ? $"{r.Begin}" : $"{r.Begin}-{r.End}")) + "]";
}
