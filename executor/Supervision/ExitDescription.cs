using Drover.Posix;

namespace Drover.Executor.Supervision;

/// <summary>
/// Words for how a process ended, in the form Mesos' executors put in task messages
/// ("Command exited with status 1", "Command terminated with signal Killed").
/// </summary>
public static class ExitDescription
{
    public static string Of(ChildExit exit)
    {
        if (exit.ExitCode is { } code)
        {
            return $"exited with status {code}";
        }

        if (exit.Signal is { } signal)
        {
            var text = $"terminated with signal {SignalName(signal)}";
            return exit.CoreDumped ? text + " (core dumped)" : text;
        }

        return "ended with an unknown status";
    }

    public static bool Succeeded(ChildExit exit) => exit.ExitCode == 0;

    // strsignal(3) wording, which is what Mesos' WSTRINGIFY prints.
    private static string SignalName(int signal) => signal switch
    {
        1 => "Hangup",
        2 => "Interrupt",
        3 => "Quit",
        4 => "Illegal instruction",
        6 => "Aborted",
        7 => "Bus error",
        8 => "Floating point exception",
        9 => "Killed",
        11 => "Segmentation fault",
        13 => "Broken pipe",
        14 => "Alarm clock",
        15 => "Terminated",
        _ => $"{signal}",
    };
}
