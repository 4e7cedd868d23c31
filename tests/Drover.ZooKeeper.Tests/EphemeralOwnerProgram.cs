using System.Globalization;
using CliWrap;
using Drover.Testing;
using Drover.Testing.Programs;

namespace Drover.ZooKeeper.Tests;

/// <summary>
/// The test assembly is also a program: <c>dotnet exec Drover.ZooKeeper.Tests.dll hold-ephemeral
/// CONNECT PATH TIMEOUT_MS</c> opens a session, creates an ephemeral node, prints "READY sessionId",
/// and then waits forever, so a test can SIGKILL a process that owns a live session. The test runner
/// never calls Main; it replaces the empty one the test SDK would generate.
/// </summary>
public static class EphemeralOwnerProgram
{
    public const string Command = "hold-ephemeral";

    public static async Task<int> Main(string[] args)
    {
        if (args.Length != 4 || args[0] != Command)
        {
            await Console.Error.WriteLineAsync($"usage: {Command} CONNECT PATH TIMEOUT_MS");
            return 2;
        }
        var client = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
        {
            ConnectString = args[1],
            SessionTimeout = TimeSpan.FromMilliseconds(int.Parse(args[3], CultureInfo.InvariantCulture)),
        });
        await client.CreateAsync(args[2], "owned"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Ephemeral);
        Console.WriteLine($"READY {client.SessionId.ToString(CultureInfo.InvariantCulture)}");
        await Console.Out.FlushAsync();
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    /// <summary>Starts this program in a child process (through CliWrap) and waits for it to own the node.</summary>
    public static async Task<(RunningProgram Program, long SessionId)> StartAsync(string connectString, string path, TimeSpan sessionTimeout)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var program = RunningProgram.Start(Cli.Wrap(dotnet).WithArguments(
        [
            "exec", typeof(EphemeralOwnerProgram).Assembly.Location, Command, connectString, path,
            ((int)sessionTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        ]));
        try
        {
            string? ready = null;
            await Eventually.TrueAsync(
                () => (ready = program.Output.Split('\n').FirstOrDefault(l => l.StartsWith("READY ", StringComparison.Ordinal))) is not null || program.HasExited,
                "the child process to own its ephemeral node",
                TimeSpan.FromSeconds(30));
            if (ready is null)
            {
                throw new InvalidOperationException($"The child process exited without owning the node: {program.Output}");
            }
            return (program, long.Parse(ready["READY ".Length..], CultureInfo.InvariantCulture));
        }
        catch
        {
            await program.DisposeAsync();
            throw;
        }
    }
}
