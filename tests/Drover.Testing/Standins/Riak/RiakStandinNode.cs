using System.Diagnostics;
using System.Text;

namespace Drover.Testing.Standins.Riak;

/// <summary>
/// A running stand-in node, started from a plan's argv and environment. It runs under
/// System.Diagnostics.Process, like the other peers this assembly starts: a test process that also ran
/// Drover's waitpid(-1) reaper would take Process' children from it.
/// </summary>
public sealed class RiakStandinNode : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RiakStandinNode(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>What the node printed so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="arguments"/> (argv, argv[0] included) with exactly <paramref name="environment"/>.</summary>
    public static RiakStandinNode Start(string executable, IReadOnlyList<string> arguments, IEnumerable<KeyValuePair<string, string>> environment, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var start = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        var node = new RiakStandinNode(process);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Kills the node and everything it started, and waits until it is gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
