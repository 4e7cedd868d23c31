namespace Drover.Testing;

/// <summary>Where the published native-AOT drover-executor is, for tests of other projects that run true executors.</summary>
public static class PublishedExecutor
{
    /// <summary>$DROVER_EXECUTOR_BINARY (set by tests/run.sh), else artifacts/executor/bin/drover-executor of the repository.</summary>
    public static string Path()
    {
        if (Environment.GetEnvironmentVariable("DROVER_EXECUTOR_BINARY") is { Length: > 0 } configured)
        {
            return configured;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Drover.slnx")))
            {
                var binary = System.IO.Path.Combine(dir.FullName, "artifacts", "executor", "bin", "drover-executor");
                return File.Exists(binary)
                    ? binary
                    : throw new FileNotFoundException($"{binary} is missing: run `bash packaging/publish-executor.sh` (tests/run.sh does) first");
            }
        }
        throw new FileNotFoundException("cannot find the repository root (Drover.slnx) above " + AppContext.BaseDirectory);
    }
}
