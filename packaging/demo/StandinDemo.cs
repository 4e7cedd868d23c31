using Drover.Testing;
using Drover.Testing.Standins;

/// <summary>
/// `packaging/demo.sh --example &lt;name&gt;`'s first step: lays out the stand-in installation of the example's kind
/// (the code the end-to-end tests use, from tests/Drover.Testing/Standins) and writes the README's example pointed at
/// it, printing every field that differs from packaging/examples/&lt;name&gt;.json and why. Its last line says how many
/// agents the local Mesos should have.
/// </summary>
internal static class StandinDemo
{
    public const string Usage = "usage: Drover.Demo standin <ring|riak|drill|quobyte> <install directory> <spec to write> [agent resources]";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length is < 3 or > 4 || !StandinExamples.Names.Contains(args[0]))
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var (name, directory, specOut) = (args[0], Path.GetFullPath(args[1]), Path.GetFullPath(args[2]));
        var resources = args.Length == 4 ? args[3] : Drover.LocalMesos.LocalMesosOptions.DefaultAgentResources;
        var installDir = await StandinExamples.InstallAsync(name, directory);
        Console.WriteLine($"the {name} stand-in installed at {installDir}");

        var examplePath = Path.Combine("packaging", "examples", name + ".json");
        // The executor's share as drover-scheduler reserves it by default (the demo passes no --executor-* flag).
        var defaults = new Drover.Scheduler.Configuration.SchedulerOptions { Framework = "demo" };
        var executor = new ExecutorShare(defaults.ExecutorCpus, defaults.ExecutorMem, defaults.ExecutorDisk);
        var example = StandinExamples.Rewrite(name, await File.ReadAllTextAsync(RepositoryFiles.PathOf(examplePath)), installDir, executor, agentResources: resources);
        await File.WriteAllTextAsync(specOut, example.Spec + "\n");
        Console.WriteLine($"{examplePath} as the README gives it, but for these {example.Changes.Count} field(s) ({Path.GetRelativePath(RepositoryFiles.Root, specOut)}):");
        foreach (var change in example.Changes)
        {
            Console.WriteLine($"  {change}");
        }

        Console.WriteLine($"agents: {example.Agents}");
        return 0;
    }
}
