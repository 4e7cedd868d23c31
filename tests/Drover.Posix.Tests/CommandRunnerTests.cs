using System.Text;
using Drover.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Posix.Tests;

public sealed class CommandRunnerTests
{
    public CommandRunnerTests() => TestReaper.EnsureStarted();

    private static CommandRequest Shell(string script, TimeSpan? timeout = null, int maxOutput = 64 * 1024) => new()
    {
        Executable = "/bin/sh",
        Arguments = ["sh", "-c", script],
        Environment = [new("PATH", "/usr/bin:/bin"), new("GREETING", "hello")],
        WorkingDirectory = "/tmp",
        Timeout = timeout ?? TimeSpan.FromSeconds(20),
        MaxOutputBytes = maxOutput,
    };

    [Fact]
    public async Task Captures_stdout_and_stderr_and_the_exit_status()
    {
        var result = await CommandRunner.RunAsync(Shell("echo out $GREETING; echo err >&2; exit 3"));

        Assert.Equal(3, result.ExitCode);
        Assert.Null(result.Signal);
        Assert.False(result.TimedOut);
        Assert.False(result.Succeeded);
        Assert.Contains("out hello\n", result.Output, StringComparison.Ordinal);
        Assert.Contains("err\n", result.Output, StringComparison.Ordinal);
        Assert.Equal("exited with status 3", result.Describe());
    }

    [Fact]
    public async Task Success_is_status_zero()
    {
        var result = await CommandRunner.RunAsync(Shell("true"));
        Assert.True(result.Succeeded);
        Assert.Equal("", result.Output);
    }

    [Fact]
    public async Task A_timeout_kills_the_whole_group_and_says_so()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"drover-cmd-{Guid.NewGuid():N}");
        var result = await CommandRunner.RunAsync(Shell($"sleep 60 & echo $! > {pidFile}; echo started; wait", TimeSpan.FromMilliseconds(500)));

        Assert.True(result.TimedOut);
        Assert.Equal(9, result.Signal);
        Assert.Contains("started", result.Output, StringComparison.Ordinal);
        Assert.StartsWith("timed out after", result.Describe(), StringComparison.Ordinal);
        var grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        File.Delete(pidFile);
        Eventually.True(() => !Directory.Exists($"/proc/{grandchild}") || File.ReadAllText($"/proc/{grandchild}/stat").Contains(") Z ", StringComparison.Ordinal), "the background sleep is killed");
    }

    [Fact]
    public async Task Leftovers_of_a_finished_command_do_not_hold_it_open()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var result = await CommandRunner.RunAsync(Shell("sleep 60 & echo done"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("done", result.Output, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task Cancellation_kills_and_throws()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CommandRunner.RunAsync(Shell("sleep 60"), cancel.Token));
    }

    [Fact]
    public async Task A_missing_executable_is_a_spawn_error_naming_it()
    {
        var request = Shell("") with { Executable = "/nonexistent/tool", Arguments = ["tool"] };
        var error = await Assert.ThrowsAsync<ProcessSpawnException>(() => CommandRunner.RunAsync(request));
        Assert.Contains("/nonexistent/tool", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_keeps_exactly_the_last_bytes_within_the_bound()
    {
        Prop.ForAll(
            Gen.Choose(0, 3000).ToArbitrary(),
            Gen.Choose(1, 1000).ToArbitrary(),
            (length, max) =>
            {
                var text = new StringBuilder();
                for (var i = 0; i < length; i++)
                {
                    text.Append((char)('a' + (i % 26)));
                }

                var expected = text.ToString();
                var result = CommandRunner.RunAsync(Shell($"printf %s '{expected}'", maxOutput: max)).GetAwaiter().GetResult();
                var tail = expected.Length > max ? "[...]" + expected[^max..] : expected;
                return result.Output == tail;
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }
}
