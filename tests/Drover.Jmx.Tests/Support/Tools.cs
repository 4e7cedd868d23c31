using System.Collections;
using Drover.Posix;
using Drover.Testing.Standins.Cassandra;

namespace Drover.Jmx.Tests.Support;

/// <summary>Tools run through Drover.Posix (never System.Diagnostics.Process: this process has a reaper).</summary>
public static class Tools
{
    public static IReadOnlyList<KeyValuePair<string, string>> CurrentEnvironment()
    {
        var variables = new List<KeyValuePair<string, string>>();
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables.Add(new((string)entry.Key, (string?)entry.Value ?? ""));
        }

        return variables;
    }

    public static readonly RunTool Run = async (executable, arguments, workingDirectory, timeout) =>
    {
        var result = await CommandRunner.RunAsync(new CommandRequest
        {
            Executable = executable,
            Arguments = arguments,
            Environment = CurrentEnvironment(),
            WorkingDirectory = workingDirectory,
            Timeout = timeout,
        });
        return new ToolResult(result.TimedOut ? null : result.ExitCode, result.Output);
    };
}
