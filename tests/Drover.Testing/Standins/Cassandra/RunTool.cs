namespace Drover.Testing.Standins.Cassandra;

/// <summary>How a tool (javac, a build script) ended: exit code (null when killed or timed out) and its output.</summary>
public readonly record struct ToolResult(int? ExitCode, string Output);

/// <summary>
/// Runs a tool to completion. The caller picks the process API: a test process that reaps children itself
/// (Drover.Posix's ExitWaiters, as the JMX helper and CommandRunner do) must not use System.Diagnostics.Process,
/// whose waitpid(pid) would lose the race to the reaper's waitpid(-1) and fail fast.
/// </summary>
public delegate Task<ToolResult> RunTool(string executable, IReadOnlyList<string> arguments, string workingDirectory, TimeSpan timeout);
