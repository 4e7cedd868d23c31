using System.Globalization;
using CliWrap;
using Drover.Testing.Programs;

namespace Drover.Testing.Erlang;

/// <summary>
/// A real OTP node (<c>erl</c>) as a child process, pointed at one of our servers through
/// <c>ERL_EPMD_PORT</c>, named <c>name@127.0.0.1</c>. <c>-start_epmd false</c> keeps erl from spawning
/// its own epmd daemon. Run through CliWrap; killed with its whole tree, and gone, when disposed.
/// </summary>
public sealed class ErlangNode : IDisposable
{
    public const string Erl = "/usr/bin/erl";
    public const string Cookie = "drover";

    private readonly RunningProgram _program;
    private readonly string _home;

    private ErlangNode(RunningProgram program, string name, string home, string host)
    {
        _program = program;
        Name = name;
        _home = home;
        Host = host;
    }

    public string Name { get; }

    /// <summary>The host part of the node's name (127.0.0.1 unless started as another loopback "host").</summary>
    public string Host { get; }

    public string FullName => $"{Name}@{Host}";

    public bool HasExited => _program.HasExited;

    public string Output => _program.Output;

    /// <summary>Starts a node; with <paramref name="eval"/> it runs that and is expected to <c>halt()</c>, without it it idles.</summary>
    /// <param name="host">The node's host (e.g. 127.0.0.2, to stand for another agent).</param>
    /// <param name="environment">More environment for erl (e.g. ERL_FLAGS, as the executor's Riak personality sets it).</param>
    public static ErlangNode Start(string name, int epmdPort, string? eval = null, bool hidden = false, string host = "127.0.0.1", IReadOnlyDictionary<string, string>? environment = null)
    {
        var home = Directory.CreateTempSubdirectory("drover-epmd-erl-").FullName;
        var arguments = new List<string> { "-noshell", "-noinput", "-start_epmd", "false", "-name", $"{name}@{host}", "-setcookie", Cookie };
        if (hidden)
        {
            arguments.Add("-hidden");
        }
        if (eval is not null)
        {
            arguments.Add("-eval");
            arguments.Add(eval);
        }
        var command = Cli.Wrap(Erl)
            .WithArguments(arguments)
            .WithEnvironmentVariables(e =>
            {
                e.Set("ERL_EPMD_PORT", epmdPort.ToString(CultureInfo.InvariantCulture)).Set("HOME", home);
                foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
                {
                    e.Set(variable, value);
                }
            });
        return new ErlangNode(RunningProgram.Start(command), name, home, host);
    }

    /// <summary>Waits for a node started with an eval to halt, and returns what it printed.</summary>
    public async Task<string> WaitForExitAsync(TimeSpan deadline)
    {
        await _program.WaitForExitAsync(deadline);
        return Output;
    }

    /// <summary>Starts a node that evaluates <paramref name="eval"/> (ending in <c>halt()</c>) and returns what it printed.</summary>
    public static async Task<string> RunAsync(string name, int epmdPort, string eval, TimeSpan deadline, bool hidden = false)
    {
        using var node = Start(name, epmdPort, eval, hidden);
        return await node.WaitForExitAsync(deadline);
    }

    public void Kill() => _program.KillAsync().GetAwaiter().GetResult();

    public void Dispose()
    {
        _program.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
