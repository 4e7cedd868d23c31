using System.Diagnostics;
using System.Globalization;
using System.Text;
using Drover.Posix;

namespace Drover.LocalMesos.Agent;

/// <summary>
/// An executor started the way a Mesos agent starts one: in a fresh sandbox (its working
/// directory), with the agent's environment only, stdin from /dev/null and stdout/stderr going to
/// the files <c>stdout</c> and <c>stderr</c> of the sandbox. <see cref="Pid"/> is the executor's own
/// pid (the launching shell execs it). Disposing kills what is left of it and deletes the work
/// directory unless asked to keep it.
/// </summary>
public sealed class ExecutorProcess : IDisposable
{
    private readonly Process _process;
    private readonly string? _ownedWorkDirectory;
    private readonly bool _newSession;
    private readonly bool _keepSandbox;
    private readonly TaskCompletionSource<int> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    internal ExecutorProcess(Process process, string binaryPath, string sandbox, string? ownedWorkDirectory,
        IReadOnlyDictionary<string, string> environment, bool newSession, bool keepSandbox)
    {
        _process = process;
        _ownedWorkDirectory = ownedWorkDirectory;
        _newSession = newSession;
        _keepSandbox = keepSandbox;
        BinaryPath = binaryPath;
        Sandbox = sandbox;
        Environment = environment;
        Pid = process.Id;
        StartedAt = DateTimeOffset.UtcNow;
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) => _exit.TrySetResult(_process.ExitCode);
        if (_process.HasExited)
        {
            _exit.TrySetResult(_process.ExitCode);
        }

        _exit.Task.ContinueWith(_ => Exited?.Invoke(this), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    /// <summary>Raised once when the process has exited (on a thread-pool thread; check <see cref="HasExited"/> after subscribing).</summary>
    public event Action<ExecutorProcess>? Exited;

    public int Pid { get; }

    public string BinaryPath { get; }

    /// <summary>The sandbox: MESOS_SANDBOX, MESOS_DIRECTORY and the working directory.</summary>
    public string Sandbox { get; }

    public string StdoutPath => Path.Combine(Sandbox, "stdout");

    public string StderrPath => Path.Combine(Sandbox, "stderr");

    /// <summary>Exactly the environment the executor was given.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>Set when the emulator SIGKILLed it for not subscribing within the registration timeout.</summary>
    public bool KilledForRegistrationTimeout { get; internal set; }

    public bool HasExited => _exit.Task.IsCompleted;

    /// <summary>The exit code once exited; 128 + n when killed by signal n (137 for SIGKILL).</summary>
    public int? ExitCode => _exit.Task.IsCompletedSuccessfully ? _exit.Task.Result : null;

    /// <summary>The exit code; a <see cref="TimeoutException"/> naming the executor and its stderr if it is still running after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            return await _exit.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"Timed out after {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s waiting for the executor to exit.\n{Describe()}");
        }
    }

    /// <summary>Sends <paramref name="signal"/> to the executor alone (e.g. SIGKILL for "the executor was killed"). False if it is gone.</summary>
    public bool Kill(int signal = Signals.SIGKILL) => !HasExited && Signals.Send(Pid, signal);

    /// <summary>
    /// Sends <paramref name="signal"/> to the executor's process group, as the agent's posix launcher
    /// destroys a container (only meaningful with <see cref="ExecutorLaunchOptions.NewSession"/>).
    /// Processes that moved to groups of their own are not reached.
    /// </summary>
    public bool KillProcessGroup(int signal = Signals.SIGKILL) => Signals.SendToGroup(Pid, signal);

    public string ReadStdout() => ReadShared(StdoutPath);

    public string ReadStderr() => ReadShared(StderrPath);

    public Task<string> ReadStdoutAsync() => Task.Run(ReadStdout);

    public Task<string> ReadStderrAsync() => Task.Run(ReadStderr);

    /// <summary>"executor pid N (binary): running|exited with code C", then the tail of its stderr.</summary>
    public string Describe(int stderrLines = 40)
    {
        var state = ExitCode is { } code
            ? code > 128 ? $"exited with code {code} (signal {code - 128})" : $"exited with code {code}"
            : "running";
        var lines = ReadStderr().Split('\n');
        var tail = string.Join("\n    ", lines.TakeLast(stderrLines));
        return $"executor pid {Pid} ({Path.GetFileName(BinaryPath)}) {state}{(KilledForRegistrationTimeout ? ", killed for not subscribing in time" : "")}; sandbox {Sandbox}; stderr (last {stderrLines} lines):\n    {tail}";
    }

    /// <summary>Kills whatever is left (its process group when it has one), waits for it, and deletes the work directory unless kept.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The group outlives its leader while members remain: kill it even if the executor has exited.
        // The pid too: right after launch the session may not exist yet (setsid has not run).
        if (_newSession)
        {
            Signals.SendToGroup(Pid, Signals.SIGKILL);
        }

        Kill(Signals.SIGKILL);

        _exit.Task.Wait(TimeSpan.FromSeconds(10));
        _process.Dispose();
        if (!_keepSandbox && _ownedWorkDirectory is not null)
        {
            try
            {
                Directory.Delete(_ownedWorkDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Something inside is still in use; the temp directory is cleaned up eventually.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static string ReadShared(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
        catch (DirectoryNotFoundException)
        {
            return "";
        }
    }
}
