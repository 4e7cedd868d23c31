using System.Globalization;

namespace Drover.ZooKeeper.Bench;

/// <summary>Command-line options: --seconds 2 --warmup-ms 500 --rounds 3 --inflight 1,16,128 --payload 128 --ops get,set,createdelete.</summary>
public sealed record BenchOptions(TimeSpan Measure, TimeSpan Warmup, int Rounds, IReadOnlyList<int> InFlight, int Payload, IReadOnlyList<string> Ops)
{
    public static readonly IReadOnlyList<string> AllOps = ["get", "set", "createdelete"];

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(500), 3, [1, 16, 128], 128, AllOps);
        for (var i = 0; i < args.Length; i += 2)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--seconds" => options with { Measure = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
                "--warmup-ms" => options with { Warmup = TimeSpan.FromMilliseconds(int.Parse(value, CultureInfo.InvariantCulture)) },
                "--rounds" => options with { Rounds = int.Parse(value, CultureInfo.InvariantCulture) },
                "--inflight" => options with { InFlight = [.. value.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] },
                "--payload" => options with { Payload = int.Parse(value, CultureInfo.InvariantCulture) },
                "--ops" => options with { Ops = [.. value.Split(',')] },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }
        if (options.Ops.Except(AllOps).FirstOrDefault() is { } unknown)
        {
            throw new ArgumentException($"Unknown op '{unknown}' (known: {string.Join(", ", AllOps)}).");
        }
        if (options.InFlight.Any(n => n is < 1 or > 1024) || options.Rounds < 1 || options.Payload is < 0 or > 512 * 1024)
        {
            throw new ArgumentException("In-flight counts must be 1..1024, rounds at least 1, payload 0..512 KiB.");
        }
        return options;
    }
}
