using CliWrap;
using Drover.Testing.Programs;

namespace Drover.Testing.Standins.Riak;

/// <summary>
/// A running stand-in node, started from a plan's argv and environment through CliWrap, like the other peers
/// this assembly starts (not in a test process that also runs Drover's waitpid(-1) reaper: see
/// <see cref="ExternalProgram"/>).
/// </summary>
public sealed class RiakStandinNode : IDisposable
{
    private readonly RunningProgram _program;

    private RiakStandinNode(RunningProgram program)
    {
        _program = program;
    }

    public int Pid => _program.Pid;

    public bool HasExited => _program.HasExited;

    /// <summary>What the node printed so far (stdout and stderr).</summary>
    public string Output => _program.Output;

    /// <summary>Starts <paramref name="arguments"/> (argv, argv[0] included) with exactly <paramref name="environment"/>.</summary>
    public static RiakStandinNode Start(string executable, IReadOnlyList<string> arguments, IEnumerable<KeyValuePair<string, string>> environment, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var command = Cli.Wrap(executable)
            .WithArguments(arguments.Skip(1))
            .WithWorkingDirectory(workingDirectory)
            .WithEnvironmentVariables(ExternalProgram.ExactEnvironment(environment));
        return new RiakStandinNode(RunningProgram.Start(command));
    }

    /// <summary>Kills the node and everything it started, and waits until it is gone.</summary>
    public void Kill() => _program.KillAsync().GetAwaiter().GetResult();

    public void Dispose() => _program.DisposeAsync().AsTask().GetAwaiter().GetResult();
}
