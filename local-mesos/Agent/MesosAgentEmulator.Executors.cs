using System.Diagnostics;
using Drover.Mesos;
using Drover.Posix;

namespace Drover.LocalMesos.Agent;

public sealed partial class MesosAgentEmulator
{
    private const string SetsidPath = "/usr/bin/setsid";

    // Runs in the sandbox; exec keeps the pid, so the process the test holds is the executor itself.
    private const string LaunchScript = "exec \"$0\" \"$@\" </dev/null >stdout 2>stderr";

    private readonly List<ExecutorProcess> _executors = [];
    private readonly CancellationTokenSource _lifetime = new();

    /// <summary>Executors launched by this emulator, oldest first.</summary>
    public IReadOnlyList<ExecutorProcess> Executors => Snapshot(_executors);

    /// <summary>
    /// Starts <paramref name="binaryPath"/> as this agent would start the executor: a new sandbox under
    /// a work directory laid out like the agent's (slaves/…/frameworks/…/executors/…/runs/…), the
    /// agent's environment and nothing else, stdout and stderr to files in the sandbox, in a new
    /// session. If it has not subscribed within <see cref="MesosAgentEmulatorOptions.RegistrationTimeout"/>
    /// it is SIGKILLed. The emulator must be listening (the environment names its port).
    /// </summary>
    public ExecutorProcess LaunchExecutor(string binaryPath, ExecutorLaunchOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(binaryPath);
        options ??= new ExecutorLaunchOptions();
        if (!IsListening)
        {
            throw new InvalidOperationException("start the agent emulator before launching an executor: its environment names the agent's port");
        }

        var binary = Path.GetFullPath(binaryPath);
        if (!File.Exists(binary))
        {
            throw new FileNotFoundException($"executor binary not found: {binary}", binary);
        }

        var ownedWorkDirectory = options.WorkDirectory is null ? Directory.CreateTempSubdirectory("drover-agent-").FullName : null;
        var workDirectory = options.WorkDirectory ?? ownedWorkDirectory!;
        var sandbox = Path.Combine(workDirectory, "slaves", AgentId, "frameworks", FrameworkId, "executors", ExecutorId, "runs", ContainerId);
        Directory.CreateDirectory(sandbox);

        var environment = ExecutorEnvironment(sandbox, options);
        var start = StartInfo(binary, sandbox, environment, options);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        var executor = new ExecutorProcess(process, binary, sandbox, ownedWorkDirectory, environment, options.NewSession && File.Exists(SetsidPath), options.KeepSandbox);

        int subscriptionsAtLaunch;
        lock (_gate)
        {
            _executors.Add(executor);
            subscriptionsAtLaunch = _subscriptionCount;
            Note($"launched executor pid {executor.Pid}: {binary} {string.Join(' ', options.Arguments)} in {sandbox}");
        }

        executor.Exited += exited =>
        {
            lock (_gate)
            {
                Note($"executor pid {exited.Pid} exited with code {exited.ExitCode}");
                Changed();
            }
        };

        if (_options.RegistrationTimeout is { } registration)
        {
            _ = EnforceRegistrationAsync(executor, subscriptionsAtLaunch, registration);
        }

        return executor;
    }

    /// <summary>
    /// The executor's environment, as src/slave/slave.cpp executorEnvironment() builds it for an
    /// agent that does not pass its own environment on (as a real Mesos 1.12 agent was observed to).
    /// </summary>
    private Dictionary<string, string> ExecutorEnvironment(string sandbox, ExecutorLaunchOptions options)
    {
        var checkpoint = options.Checkpoint ?? _options.Checkpoint;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = ExecutorLaunchOptions.AgentPath,
            ["LIBPROCESS_IP"] = "127.0.0.1",
            ["LIBPROCESS_PORT"] = "0",
            ["MESOS_AGENT_ENDPOINT"] = Endpoint,
            ["MESOS_CHECKPOINT"] = checkpoint ? "1" : "0",
            ["MESOS_DIRECTORY"] = sandbox,
            ["MESOS_EXECUTOR_ID"] = ExecutorId,
            ["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = MesosDuration.Format(options.ShutdownGracePeriod),
            ["MESOS_FRAMEWORK_ID"] = FrameworkId,
            ["MESOS_HTTP_COMMAND_EXECUTOR"] = "0",
            ["MESOS_SANDBOX"] = sandbox,
            ["MESOS_SLAVE_ID"] = AgentId,
            ["MESOS_SLAVE_PID"] = $"slave(1)@{Endpoint}",
        };

        if (checkpoint)
        {
            environment["MESOS_RECOVERY_TIMEOUT"] = MesosDuration.Format(options.RecoveryTimeout);
            environment["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = MesosDuration.Format(options.SubscriptionBackoffMax);
        }

        if ((options.AuthenticationToken ?? _options.AuthenticationToken) is { } token)
        {
            environment["MESOS_EXECUTOR_AUTHENTICATION_TOKEN"] = token;
        }

        foreach (var name in options.RemoveVariables)
        {
            environment.Remove(name);
        }

        foreach ((var name, var value) in options.Environment)
        {
            environment[name] = value;
        }

        return environment;
    }

    private static ProcessStartInfo StartInfo(string binary, string sandbox, Dictionary<string, string> environment, ExecutorLaunchOptions options)
    {
        // setsid does not fork when its caller is not a group leader (a fresh child is not), so the pid stays the executor's.
        var newSession = options.NewSession && File.Exists(SetsidPath);
        var start = new ProcessStartInfo(newSession ? SetsidPath : "/bin/sh")
        {
            WorkingDirectory = sandbox,
            UseShellExecute = false,
        };

        if (newSession)
        {
            start.ArgumentList.Add("/bin/sh");
        }

        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(LaunchScript);
        start.ArgumentList.Add(binary);
        foreach (var argument in options.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach ((var name, var value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>The agent's --executor_registration_timeout: an executor that never subscribed is destroyed.</summary>
    private async Task EnforceRegistrationAsync(ExecutorProcess executor, int subscriptionsAtLaunch, TimeSpan timeout)
    {
        Task exited = executor.WaitForExitAsync(Timeout.InfiniteTimeSpan);
        var elapsed = Task.Delay(timeout, _lifetime.Token);
        if (await Task.WhenAny(exited, elapsed).ConfigureAwait(false) != elapsed || elapsed.IsCanceled)
        {
            return;
        }

        lock (_gate)
        {
            if (_subscriptionCount > subscriptionsAtLaunch || executor.HasExited)
            {
                return;
            }

            executor.KilledForRegistrationTimeout = true;
            Note($"executor pid {executor.Pid} did not register within {MesosDuration.Format(timeout)}: killing it");
        }

        executor.KillProcessGroup(Signals.SIGKILL);
        executor.Kill(Signals.SIGKILL);
    }

    private void DisposeExecutors()
    {
        _lifetime.Cancel();
        foreach (var executor in Executors)
        {
            executor.Dispose();
        }
    }
}
