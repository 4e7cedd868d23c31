using System.Globalization;

namespace Drover.Sidecar.Bench;

/// <summary>
/// drover-sidecar benchmarks (bench/sidecar.sh runs them; bench/RESULTS.md records the results):
///   proxy  &lt;sidecar-binary&gt;[,name=binary...] [seconds] [rounds] [connections...]  the proxy against HAProxy (at 1, 16 and 64 connections by default)
///   fanout &lt;sidecar-binary&gt; [changes]           one change among 10,000 nodes seen by 100 WatchNodes streams
///   backend &lt;count&gt; &lt;response-bytes&gt;            (internal) request/response servers, ports on stdout
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        switch (args)
        {
            case ["backend", var count, var size]:
                await Backends.RunAsync(Int(count), Int(size));
                return 0;
            case ["proxy", var binary, .. var rest]:
                try
                {
                    await ProxyBench.RunAsync(binary.Split(','), rest.Length > 0 ? Int(rest[0]) : 5, rest.Length > 1 ? Int(rest[1]) : 3,
                        rest.Length > 2 ? [.. rest[2..].Select(Int)] : ProxyBench.DefaultConnectionCounts);
                }
                catch (StalledException e)
                {
                    Console.Error.WriteLine($"FAILED: {e.Message}");
                    return 1;
                }
                return 0;
            case ["fanout", var binary, .. var rest]:
                await FanoutBench.RunAsync(binary, rest.Length > 0 ? Int(rest[0]) : 200);
                return 0;
            default:
                Console.Error.WriteLine("usage: Drover.Sidecar.Bench proxy <drover-sidecar>[,<name>=<drover-sidecar>...] [seconds] [rounds] [connections...] | fanout <drover-sidecar> [changes]");
                return 2;
        }
    }

    public static int Int(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    public static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[..3] is var l ? string.Join(" ", l) : "";
}
