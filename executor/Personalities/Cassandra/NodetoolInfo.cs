namespace Drover.Executor.Personalities.Cassandra;

/// <summary>
/// `nodetool info` output: one "Name&lt;padding&gt;: value" line per item (printf("%-23s: %s%n") in
/// tools/nodetool/Info.java). A pure parser: names are trimmed, the first ':' splits, other lines are ignored.
/// </summary>
internal static class NodetoolInfo
{
    public const string GossipActive = "Gossip active";
    public const string NativeTransportActive = "Native Transport active";

    public static IReadOnlyDictionary<string, string> Parse(string output)
    {
        var items = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            if (name.Length > 0 && !items.ContainsKey(name))
            {
                items[name] = line[(colon + 1)..].Trim();
            }
        }

        return items;
    }

    /// <summary>Healthy when gossip and the native transport are active; the detail names what is not.</summary>
    public static (bool Healthy, string Detail) Judge(IReadOnlyDictionary<string, string> info)
    {
        var problems = new List<string>();
        foreach (var name in new[] { GossipActive, NativeTransportActive })
        {
            if (!info.TryGetValue(name, out var value))
            {
                problems.Add($"no '{name}' line");
            }
            else if (!string.Equals(value, "true", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{name}: {value}");
            }
        }

        return problems.Count == 0
            ? (true, $"{GossipActive}: true, {NativeTransportActive}: true")
            : (false, "nodetool info: " + string.Join("; ", problems));
    }
}
