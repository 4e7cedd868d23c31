using Drover.Executor.Health;

namespace Drover.Executor.Personalities.Cassandra;

/// <summary>`nodetool info`, parsed: healthy when it succeeds and says gossip and the native transport are active.</summary>
internal sealed class CassandraNodetoolProbe(CassandraNodetool nodetool, TimeSpan timeout) : IHealthProbe
{
    public async Task<ProbeResult> ProbeAsync(CancellationToken cancellation)
    {
        var result = await nodetool.RunAsync(["info"], timeout, cancellation).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return new ProbeResult(false, $"nodetool info {result.Describe()}: {Tail(result.Output)}");
        }

        var (healthy, detail) = NodetoolInfo.Judge(NodetoolInfo.Parse(result.Output));
        return new ProbeResult(healthy, detail);
    }

    private static string Tail(string output)
    {
        var text = output.Trim();
        return text.Length <= 400 ? text : "..." + text[^400..];
    }
}
