using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Drover.Epmd.Bench;

/// <summary>A server under test in its own process: OTP's epmd, or this program in "serve" mode.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(string name, Process process, IPEndPoint endPoint)
    {
        Name = name;
        _process = process;
        EndPoint = endPoint;
    }

    public string Name { get; }

    public IPEndPoint EndPoint { get; }

    /// <summary>CPU time the server process has used so far (user + system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static ServerProcess StartEpmd()
    {
        var port = FreePort();
        var start = new ProcessStartInfo("/usr/bin/epmd") { UseShellExecute = false, RedirectStandardError = true };
        start.ArgumentList.Add("-port");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        var process = Process.Start(start) ?? throw new InvalidOperationException("epmd did not start");
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        var deadline = Stopwatch.StartNew();
        while (!Accepts(endPoint))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                throw new InvalidOperationException("epmd did not listen");
            }
            Thread.Sleep(10);
        }
        return new ServerProcess("epmd", process, endPoint);
    }

    /// <summary>This program in "serve" mode; with <paramref name="zookeeper"/>, on the ZooKeeper store of that server.</summary>
    public static ServerProcess StartCEpmd(string? zookeeper = null)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardInput = true };
        start.ArgumentList.Add("serve");
        if (zookeeper is not null)
        {
            start.ArgumentList.Add(zookeeper);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("cEPMD did not start");
        var port = int.Parse(process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("cEPMD printed no port"), CultureInfo.InvariantCulture);
        return new ServerProcess(zookeeper is null ? "cEPMD" : "cEPMD+ZK", process, new IPEndPoint(IPAddress.Loopback, port));
    }

    public void Dispose()
    {
        if (_process.StartInfo.RedirectStandardInput && !_process.HasExited)
        {
            // A serve process prints its store's statistics when its stdin closes.
            _process.StandardInput.Close();
            _process.WaitForExit(5000);
        }
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
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
