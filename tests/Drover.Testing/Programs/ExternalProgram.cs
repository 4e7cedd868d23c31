using System.Text;
using CliWrap;

namespace Drover.Testing.Programs;

/// <summary>How a program run to completion ended: its exit code (null when it was killed at its time limit) and its output.</summary>
public readonly record struct ProgramResult(int? ExitCode, string Output)
{
    public bool TimedOut => ExitCode is null;
}

/// <summary>
/// How tests, fixtures and benchmarks run other programs (javac, promtool, erl, a shell): CliWrap, which runs
/// them with System.Diagnostics.Process. Not for a process that also runs Drover.Posix's waitpid(-1) child
/// reaper (the executor, and the test projects that exercise the reaper: Posix, Jmx): Process waits for its own
/// child by pid and would lose the race to the reaper's waitpid(-1). Those use Drover.Posix instead.
/// </summary>
public static class ExternalProgram
{
    /// <summary>A missing tool is a failure that says which Debian package brings it, never a skip.</summary>
    public static void Require(string path, string package)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: install the Debian package '{package}' (apt-get install {package}).");
        }
    }

    /// <summary>
    /// Environment variables that make a command's environment exactly <paramref name="environment"/> (CliWrap adds
    /// to the inherited environment; a null value removes an inherited variable).
    /// </summary>
    public static IReadOnlyDictionary<string, string?> ExactEnvironment(IEnumerable<KeyValuePair<string, string>> environment)
    {
        var exact = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var inherited in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            exact[inherited] = null;
        }
        foreach (var (name, value) in environment)
        {
            exact[name] = value;
        }
        return exact;
    }

    /// <summary>
    /// Runs <paramref name="command"/> to its end, with stdout and stderr interleaved by line; past
    /// <paramref name="timeout"/> its process tree is killed and the result has no exit code. Any exit code is a
    /// result, not an exception: the caller asserts on it with the output in view.
    /// </summary>
    public static async Task<ProgramResult> RunAsync(Command command, TimeSpan timeout, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        var output = new OutputLog();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeout);
        try
        {
            var result = await command
                .WithValidation(CommandResultValidation.None)
                .WithStandardOutputPipe(PipeTarget.Merge(command.StandardOutputPipe, PipeTarget.ToDelegate(output.Append)))
                .WithStandardErrorPipe(PipeTarget.Merge(command.StandardErrorPipe, PipeTarget.ToDelegate(output.Append)))
                .ExecuteAsync(limit.Token);
            return new ProgramResult(result.ExitCode, output.Text);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new ProgramResult(null, output.Text);
        }
    }
}

/// <summary>A program's output as it arrives, line by line, from any thread; capped so a chatty peer cannot fill the test's memory.</summary>
public sealed class OutputLog(int maxChars = 4 * 1024 * 1024)
{
    private readonly StringBuilder _text = new();

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public void Append(string line)
    {
        lock (_text)
        {
            if (_text.Length + line.Length + 1 > maxChars)
            {
                var drop = Math.Min(_text.Length, _text.Length + line.Length + 1 - maxChars);
                _text.Remove(0, drop);
            }
            _text.Append(line).Append('\n');
        }
    }
}
