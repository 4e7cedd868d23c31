using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CliWrap;
using Drover.Posix;
using Drover.Testing;
using Drover.Testing.Programs;

namespace Drover.Epmd.Bench;

/// <summary>A server under test in its own process (run through CliWrap): OTP's epmd, or this program in "serve" mode.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly RunningProgram _program;
    private readonly TaskCompletionSource? _closeStdin;

    private ServerProcess(string name, RunningProgram program, IPEndPoint endPoint, TaskCompletionSource? closeStdin)
    {
        Name = name;
        _program = program;
        EndPoint = endPoint;
        _closeStdin = closeStdin;
    }

    public string Name { get; }

    public IPEndPoint EndPoint { get; }

    /// <summary>CPU time the server process has used so far (user + system, from /proc).</summary>
    public TimeSpan CpuTime => TimeSpan.FromSeconds(ProcessStats.ForProcess(_program.Pid).CpuSeconds);

    public static ServerProcess StartEpmd()
    {
        var port = FreePort.Next();
        var program = RunningProgram.Start(Cli.Wrap("/usr/bin/epmd").WithArguments(["-port", port.ToString(CultureInfo.InvariantCulture)]));
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        Eventually.True(() => Accepts(endPoint) || program.HasExited, "epmd to listen", TimeSpan.FromSeconds(10));
        if (program.HasExited)
        {
            throw new InvalidOperationException($"epmd did not listen: {program.Output}");
        }
        return new ServerProcess("epmd", program, endPoint, null);
    }

    /// <summary>This program in "serve" mode; with <paramref name="zookeeper"/>, on the ZooKeeper store of that server.</summary>
    public static ServerProcess StartCEpmd(string? zookeeper = null)
    {
        // Serve mode runs until its stdin closes, then prints its store's statistics on stderr (ours).
        var closeStdin = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var port = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var command = Cli.Wrap(Environment.ProcessPath!)
            .WithArguments(zookeeper is null ? ["serve"] : ["serve", zookeeper])
            .WithStandardInputPipe(PipeSource.Create(async (_, cancellation) => await closeStdin.Task.WaitAsync(cancellation)))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => port.TrySetResult(int.Parse(line, CultureInfo.InvariantCulture))))
            .WithStandardErrorPipe(PipeTarget.ToStream(Console.OpenStandardError()));
        var program = RunningProgram.Start(command);
        var bound = port.Task.Within("cEPMD to print its port", TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        return new ServerProcess(zookeeper is null ? "cEPMD" : "cEPMD+ZK", program, new IPEndPoint(IPAddress.Loopback, bound), closeStdin);
    }

    public void Dispose()
    {
        if (_closeStdin is not null)
        {
            _closeStdin.TrySetResult();
            _program.Exited.Wait(TimeSpan.FromSeconds(5));
        }
        _program.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static bool Accepts(IPEndPoint endPoint)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(endPoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
