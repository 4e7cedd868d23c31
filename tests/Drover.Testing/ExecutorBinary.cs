namespace Drover.Testing;

/// <summary>The published native-AOT executor the end-to-end tests launch.</summary>
public static class ExecutorBinary
{
    /// <summary>$DROVER_EXECUTOR_BINARY (set by tests/run.sh), else artifacts/executor/bin/drover-executor under the repository root.</summary>
    public static string Path()
    {
        if (Environment.GetEnvironmentVariable("DROVER_EXECUTOR_BINARY") is { Length: > 0 } configured)
        {
            return configured;
        }

        var binary = RepositoryFiles.PathOf(System.IO.Path.Combine("artifacts", "executor", "bin", "drover-executor"));
        return File.Exists(binary)
            ? binary
            : throw new FileNotFoundException($"{binary} is missing: run `bash packaging/publish-executor.sh` (tests/run.sh does) before the end-to-end tests");
    }
}
