using System.Diagnostics;
using System.Globalization;
using Drover.Testing;

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

    /// <summary>Starts this program in a child process and waits for it to own the node.</summary>
    public static async Task<(Process Process, long SessionId)> StartAsync(string connectString, string path, TimeSpan sessionTimeout)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(typeof(EphemeralOwnerProgram).Assembly.Location);
        info.ArgumentList.Add(Command);
        info.ArgumentList.Add(connectString);
        info.ArgumentList.Add(path);
        info.ArgumentList.Add(((int)sessionTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the child process.");
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var line = await process.StandardOutput.ReadLineAsync().Within("the child process to own its ephemeral node", TimeSpan.FromSeconds(30));
            if (line is null || !line.StartsWith("READY ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The child process said '{line}' and: {await stderr}");
            }
            return (process, long.Parse(line["READY ".Length..], CultureInfo.InvariantCulture));
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }
    }
}
