using Spectre.Console;

namespace Drover.Cli;

/// <summary>
/// What a command talks to besides the scheduler: its output (tables through Spectre.Console, JSON as is), its
/// error stream, its input (a confirmation), the environment (the URL and the token) and how often a watch polls.
/// The program uses the process's; tests give their own.
/// </summary>
public sealed class CliHost
{
    public CliHost(TextWriter output, TextWriter error, bool interactive, int width = 160)
    {
        Output = output;
        Error = error;
        Interactive = interactive;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive)
        {
            // Pipes and files get whole lines, never a table cut at an 80-column guess.
            Console.Profile.Width = width;
        }
    }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    public IAnsiConsole Console { get; }

    /// <summary>A terminal: live progress redraws in place; otherwise progress is one line per change.</summary>
    public bool Interactive { get; }

    public TextReader Input { get; init; } = TextReader.Null;

    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The process's own streams; interactive when stdout is a terminal.</summary>
    public static CliHost FromProcess() =>
        new(System.Console.Out, System.Console.Error, !System.Console.IsOutputRedirected, width: 200) { Input = System.Console.In };
}
