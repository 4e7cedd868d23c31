using BenchmarkDotNet.Running;
using Drover.Metrics.Bench;

// "compare <drover probe> <prometheus-net probe>": the side-by-side of bench/metrics-compare.sh; anything else: BenchmarkDotNet.
if (args.Length > 0 && args[0] == "compare")
{
    return await Compare.RunAsync(args[1..]);
}
BenchmarkSwitcher.FromAssembly(typeof(ScrapeBenchmarks).Assembly).Run(args);
return 0;
