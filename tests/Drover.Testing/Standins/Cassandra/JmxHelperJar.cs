namespace Drover.Testing.Standins.Cassandra;

/// <summary>drover-jmx-helper.jar built from packaging/jmx-helper by its own build script, once per test process.</summary>
public static class JmxHelperJar
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _built;

    public static async Task<string> BuildAsync(RunTool run)
    {
        ArgumentNullException.ThrowIfNull(run);
        await Gate.WaitAsync();
        try
        {
            if (_built is not null)
            {
                return _built;
            }

            var script = RepositoryFiles.PathOf("packaging/jmx-helper/build-jmx-helper.sh");
            // One directory per user: the script is idempotent, so test runs share the jar until the source changes.
            var output = Path.Combine(Path.GetTempPath(), $"drover-jmx-helper-{Environment.UserName}");
            var result = await run("/bin/bash", ["bash", script, output], RepositoryFiles.Root, TimeSpan.FromMinutes(2));
            var jar = Path.Combine(output, "drover-jmx-helper.jar");
            if (result.ExitCode != 0 || !File.Exists(jar))
            {
                throw new InvalidOperationException($"building the JMX helper failed ({result.ExitCode}): {result.Output}");
            }

            _built = jar;
            return jar;
        }
        finally
        {
            Gate.Release();
        }
    }
}
