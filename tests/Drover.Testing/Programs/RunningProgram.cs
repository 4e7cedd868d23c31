using CliWrap;

namespace Drover.Testing.Programs;

/// <summary>
/// A long-running program (a ZooKeeper JVM, Prometheus, an Erlang node) started through CliWrap, kept while a
/// test needs it, and killed on dispose: its whole process tree gets SIGKILL (CliWrap's forceful
/// cancellation), the process is waited for, and dispose returns only once its <c>/proc</c> entry is gone.
/// <see cref="StopAsync"/> asks first with SIGINT (CliWrap's graceful cancellation). Its stdout and stderr are
/// kept in <see cref="Output"/>, and still go to whatever pipes the command had (a line reader, a console);
/// see <see cref="ExternalProgram"/> for where CliWrap must not be used.
/// </summary>
public sealed class RunningProgram : IAsyncDisposable
{
    private static readonly TimeSpan GoneTimeout = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _forceful = new();
    private readonly CancellationTokenSource _graceful = new();
    private readonly OutputLog _output;
    private readonly Task<int> _exit;
    private int _disposed;

    private RunningProgram(Command command, OutputLog output)
    {
        _output = output;
        var task = command
            .WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.Merge(command.StandardOutputPipe, PipeTarget.ToDelegate(output.Append)))
            .WithStandardErrorPipe(PipeTarget.Merge(command.StandardErrorPipe, PipeTarget.ToDelegate(output.Append)))
            .ExecuteAsync(_forceful.Token, _graceful.Token);
        Pid = task.ProcessId;
        _exit = ExitCodeAsync(task);
    }

    public int Pid { get; }

    public bool HasExited => _exit.IsCompleted;

    /// <summary>The exit code once it has exited; -1 when it was stopped or killed by us.</summary>
    public int? ExitCode => _exit.IsCompletedSuccessfully ? _exit.Result : null;

    /// <summary>What it printed so far on stdout and stderr, interleaved by line.</summary>
    public string Output => _output.Text;

    /// <summary>Completes with the exit code when the program ends (-1 when stopped or killed by us).</summary>
    public Task<int> Exited => _exit;

    /// <summary>Starts <paramref name="command"/>; a program that cannot be started throws here.</summary>
    public static RunningProgram Start(Command command, OutputLog? output = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        return new RunningProgram(command, output ?? new OutputLog());
    }

    /// <summary>Waits for a program that ends by itself; its output so far is in the timeout's message.</summary>
    public Task<int> WaitForExitAsync(TimeSpan timeout) =>
        _exit.Within($"pid {Pid} to exit; output so far:\n{Output}", timeout);

    /// <summary>SIGINT, then SIGKILL to the tree if it has not ended within <paramref name="grace"/>; returns once it is gone.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _forceful.CancelAfter(grace);
        await _graceful.CancelAsync();
        await GoneAsync();
    }

    /// <summary>SIGKILL to the whole tree, as in a crash; returns once it is gone.</summary>
    public async Task KillAsync()
    {
        await _forceful.CancelAsync();
        await GoneAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await KillAsync();
        _forceful.Dispose();
        _graceful.Dispose();
    }

    private async Task GoneAsync()
    {
        await _exit.Within($"pid {Pid} to end after it was told to", GoneTimeout);
        // Process reaps its child before the task completes: a /proc entry left now is a process that survived.
        await Eventually.TrueAsync(() => !Directory.Exists($"/proc/{Pid}"), $"pid {Pid} to be gone", GoneTimeout);
    }

    private static async Task<int> ExitCodeAsync(CommandTask<CommandResult> task)
    {
        try
        {
            return (await task).ExitCode;
        }
        catch (OperationCanceledException)
        {
            return -1;
        }
    }
}
