using System.Diagnostics;
using System.Text;
using CliWrap;
using Drover.Posix;
using Drover.Testing.Programs;
using CommandResult = Drover.Posix.CommandResult;

namespace Drover.Executor.Tests.Personalities.Riak;

/// <summary>
/// Runs admin commands for the stand-in tests through CliWrap (System.Diagnostics.Process). The executor runs
/// them with <see cref="CommandRunner"/>, whose reaper waits for any child (waitpid(-1)): started in this test
/// process, it would take the exit statuses of the executors other tests start with Process.
/// </summary>
internal static class ProcessCommandRun
{
    public static async Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellation)
    {
        var started = Stopwatch.GetTimestamp();
        var command = Cli.Wrap(request.Executable)
            .WithArguments(request.Arguments.Skip(1))
            .WithWorkingDirectory(request.WorkingDirectory)
            .WithEnvironmentVariables(ExternalProgram.ExactEnvironment(request.Environment));
        var run = await ExternalProgram.RunAsync(command, request.Timeout, cancellation);
        var text = run.Output;
        if (Encoding.UTF8.GetByteCount(text) > request.MaxOutputBytes)
        {
            text = "[...]" + text[^Math.Min(text.Length, request.MaxOutputBytes)..];
        }

        return new CommandResult(run.ExitCode, null, run.TimedOut, text, Stopwatch.GetElapsedTime(started));
    }
}
