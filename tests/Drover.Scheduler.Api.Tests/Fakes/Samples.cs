using Drover.Scheduler.Model;

namespace Drover.Scheduler.Api.Tests.Fakes;

/// <summary>Cluster specs the tests put and seed.</summary>
public static class Samples
{
    public const string WebJson = """
        {"name":"web","kind":"GENERIC","count":3,"version":"1.0",
         "resources":{"cpus":0.5,"mem":256,"disk":64,"volume":128},
         "ports":[{"name":"http"},{"name":"admin","port":9990}],
         "placement":{"max_per_agent":1},
         "service":{"command":"exec ./server --port $PORT_HTTP"},
         "health":{"checks":[{"name":"http","http":{"port":"http","path":"/health"}}]}}
        """;

    public const string RingJson = """
        {"name":"ring","kind":"CASSANDRA","count":3,"version":"4.1.5",
         "resources":{"cpus":1,"mem":2048,"volume":10240},
         "ports":[{"name":"native","port":9042},{"name":"storage","port":7000},{"name":"jmx"}],
         "service":{"install_dir":"/opt/cassandra","java_home":"/usr/lib/jvm/java-17-openjdk-amd64"}}
        """;

    public static ClusterSpec Web(string name = "web", int count = 3) =>
        ClusterSpecJson.Parse(WebJson) with { Name = name, Count = count };

    public static ClusterSpec Ring() => ClusterSpecJson.Parse(RingJson);

    /// <summary>The web spec's JSON under another name or count.</summary>
    public static string WebJsonWith(string name, int count = 3) => WebJson.Replace("\"web\"", $"\"{name}\"", StringComparison.Ordinal)
        .Replace("\"count\":3", $"\"count\":{count}", StringComparison.Ordinal);
}
