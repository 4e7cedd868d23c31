using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CliWrap;
using Drover.Testing;
using Drover.Testing.Programs;

namespace Drover.Epmd.Tests.Support;

/// <summary>OTP's own <c>epmd</c>, run in the foreground on a free port for a differential test, killed after.</summary>
internal sealed class RealEpmd : IDisposable
{
    public const string Binary = "/usr/bin/epmd";

    private readonly RunningProgram _program;

    private RealEpmd(RunningProgram program, IPEndPoint endPoint)
    {
        _program = program;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public static async Task<RealEpmd> StartAsync(bool relaxed = false)
    {
        var port = FreePort.Next();
        var arguments = new List<string> { "-port", port.ToString(CultureInfo.InvariantCulture) };
        if (relaxed)
        {
            arguments.Add("-relaxed_command_check");
        }
        var command = Cli.Wrap(Binary)
            .WithArguments(arguments)
            .WithEnvironmentVariables(e => e.Set("ERL_EPMD_RELAXED_COMMAND_CHECK", null).Set("ERL_EPMD_ADDRESS", null));
        var daemon = new RealEpmd(RunningProgram.Start(command), new IPEndPoint(IPAddress.Loopback, port));
        try
        {
            await Eventually.TrueAsync(() => daemon.Accepts() || daemon.HasExited, $"epmd to listen on {port}", TimeSpan.FromSeconds(10));
            if (daemon.HasExited)
            {
                throw new InvalidOperationException($"epmd did not listen on {port}: {daemon._program.Output}");
            }
        }
        catch
        {
            daemon.Dispose();
            throw;
        }
        return daemon;
    }

    public bool HasExited => _program.HasExited;

    public void Dispose() => _program.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private bool Accepts()
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Connect(EndPoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
