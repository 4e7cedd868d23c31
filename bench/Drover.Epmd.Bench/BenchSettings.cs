using System.Globalization;

namespace Drover.Epmd.Bench;

internal sealed record BenchSettings(double Seconds, int Rounds, int[] Concurrency, bool ZooKeeper = true)
{
    public static BenchSettings Parse(string[] args)
    {
        var settings = new BenchSettings(5, 3, [1, 8, 32]);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            settings = args[i] switch
            {
                "--seconds" => settings with { Seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--rounds" => settings with { Rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture) },
                "--zookeeper" => settings with { ZooKeeper = args[i + 1] != "off" },
                "--concurrency" => settings with { Concurrency = args[i + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return settings;
    }
}
