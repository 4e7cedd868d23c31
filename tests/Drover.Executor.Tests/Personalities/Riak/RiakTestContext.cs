using Drover.Executor.Personalities;
using Drover.V1;

namespace Drover.Executor.Tests.Personalities.Riak;

/// <summary>PersonalityContexts for Riak nodes, with all five ports unless told otherwise.</summary>
internal static class RiakTestContext
{
    public const string Install = "/opt/riak";

    public static readonly IReadOnlyDictionary<string, int> Ports = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["http"] = 31098,
        ["pb"] = 31087,
        ["handoff"] = 31099,
        ["disterl"] = 31100,
        ["epmd"] = 31369,
    };

    public static NodeSpec Node(string node = "riak1", string cluster = "kv", params (string Key, string Value)[] config)
    {
        var spec = new NodeSpec { Cluster = cluster, Node = node, Kind = ServiceKind.Riak, InstallDir = Install };
        foreach (var (key, value) in config)
        {
            spec.Config[key] = value;
        }

        return spec;
    }

    public static PersonalityContext Context(
        NodeSpec? node = null,
        IReadOnlyDictionary<string, int>? ports = null,
        string sandbox = "/sandbox",
        string? dataDirectory = null,
        string host = "agent1.example",
        IReadOnlyDictionary<string, string>? environment = null,
        bool riakAdminInstalled = true,
        IReadOnlyList<string>? beams = null) =>
        new(
            node ?? Node(),
            ports ?? Ports,
            sandbox,
            sandbox + "/drover",
            dataDirectory ?? "/volumes/riak1",
            host,
            "task-riak1",
            environment ?? new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = "/usr/bin:/bin" },
            path => riakAdminInstalled && path == Install + "/bin/riak-admin" ? "#!/bin/sh\n"
                : beams?.Contains(path) == true ? "FOR1 (a .beam)" : null);

    public static IReadOnlyDictionary<string, int> Without(string port) =>
        Ports.Where(kv => kv.Key != port).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
}
