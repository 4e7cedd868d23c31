using System.Diagnostics;
using System.Text;
using Drover.Posix;

namespace Drover.Executor.Tests.Personalities.Riak;

/// <summary>
/// Runs admin commands for the stand-in tests with System.Diagnostics.Process. The executor runs them with
/// <see cref="CommandRunner"/>, whose reaper waits for any child (waitpid(-1)): started in this test process,
/// it would take the exit statuses of the executors other tests start with Process.
/// </summary>
internal static class ProcessCommandRun
{
    public static async Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellation)
    {
        var started = Stopwatch.GetTimestamp();
        var start = new ProcessStartInfo(request.Executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = request.WorkingDirectory,
        };
        foreach (var argument in request.Arguments.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (name, value) in request.Environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {request.Executable}");
        process.StandardInput.Close();
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(request.Timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            timedOut = !cancellation.IsCancellationRequested;
        }

        process.WaitForExit(); // the end of the redirected output
        cancellation.ThrowIfCancellationRequested();
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        if (Encoding.UTF8.GetByteCount(text) > request.MaxOutputBytes)
        {
            text = "[...]" + text[^Math.Min(text.Length, request.MaxOutputBytes)..];
        }

        return new CommandResult(timedOut ? null : process.ExitCode, null, timedOut, text, Stopwatch.GetElapsedTime(started));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Append(line).Append('\n');
        }
    }
}
