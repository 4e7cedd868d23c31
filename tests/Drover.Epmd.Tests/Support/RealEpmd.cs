using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Drover.Epmd.Tests.Support;

/// <summary>OTP's own <c>epmd</c>, run in the foreground on a free port for a differential test, killed after.</summary>
internal sealed class RealEpmd : IDisposable
{
    public const string Binary = "/usr/bin/epmd";

    private readonly Process _process;

    private RealEpmd(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    public static async Task<RealEpmd> StartAsync(bool relaxed = false)
    {
        var port = TestServer.FreePort();
        var start = new ProcessStartInfo(Binary)
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.ArgumentList.Add("-port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (relaxed)
        {
            start.ArgumentList.Add("-relaxed_command_check");
        }
        start.Environment.Remove("ERL_EPMD_RELAXED_COMMAND_CHECK");
        start.Environment.Remove("ERL_EPMD_ADDRESS");
        var process = Process.Start(start) ?? throw new InvalidOperationException("epmd did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var daemon = new RealEpmd(process, new IPEndPoint(IPAddress.Loopback, port));
        var up = await Poll.UntilAsync(() => daemon.Accepts() || process.HasExited);
        if (!up || process.HasExited)
        {
            daemon.Dispose();
            throw new InvalidOperationException($"epmd did not listen on {port}");
        }
        return daemon;
    }

    public bool HasExited => _process.HasExited;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }

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
