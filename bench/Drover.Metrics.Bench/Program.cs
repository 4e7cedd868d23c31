using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Drover.Metrics.Bench.ScrapeBenchmarks).Assembly).Run(args);
