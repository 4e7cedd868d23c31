using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Drover.Epmd.Protocol;

namespace Drover.Epmd.Bench;

internal sealed record RunResult(long Lookups, long Errors, double Seconds, double P50Microseconds, double P99Microseconds)
{
    public double PerSecond => Lookups / Seconds;

    /// <summary>Server CPU per lookup, measured around the run (set by the caller).</summary>
    public double ServerCpuMicroseconds { get; init; } = double.NaN;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{PerSecond,8:F0} lookups/s  p50 {P50Microseconds,6:F0} µs  p99 {P99Microseconds,6:F0} µs  server CPU {ServerCpuMicroseconds,5:F1} µs/lookup  errors {Errors}");
}

/// <summary>
/// The client side, identical for both servers: per lookup a new connection, PORT_PLEASE2_REQ, read the
/// answer until the server closes (what erl_epmd does), one blocking thread per concurrent connection.
/// </summary>
internal static class LoadGenerator
{
    public const string NodeName = "bench";
    public const ushort NodePort = 45678;

    private static readonly byte[] Request = PortPlease2Request.ToFrame(NodeName);

    /// <summary>Registers the node the lookups ask for, and keeps the registration open.</summary>
    public static Socket Register(IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(server);
        socket.Send(new Alive2Request(NodePort, EpmdNodeType.Normal, 0, 6, 5, NodeName, []).ToFrame());
        var reply = new byte[6];
        var got = 0;
        while (got < reply.Length)
        {
            var read = socket.Receive(reply, got, reply.Length - got, SocketFlags.None);
            if (read == 0)
            {
                throw new InvalidOperationException("registration refused");
            }
            got += read;
        }
        if (reply[0] != EpmdTags.Alive2ExtendedResponse || reply[1] != 0)
        {
            throw new InvalidOperationException($"registration refused: {Convert.ToHexString(reply)}");
        }
        return socket;
    }

    public static RunResult Run(IPEndPoint server, int concurrency, TimeSpan duration)
    {
        var latencies = new List<long>[concurrency];
        long errors = 0;
        using var start = new Barrier(concurrency + 1);
        var clock = new Stopwatch();
        var threads = Enumerable.Range(0, concurrency).Select(i => new Thread(() =>
        {
            var mine = new List<long>(1 << 16);
            latencies[i] = mine;
            var buffer = new byte[256];
            start.SignalAndWait();
            while (clock.Elapsed < duration)
            {
                var began = Stopwatch.GetTimestamp();
                if (LookupOnce(server, buffer))
                {
                    mine.Add(Stopwatch.GetTimestamp() - began);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }) { IsBackground = true }).ToList();
        threads.ForEach(t => t.Start());
        clock.Start();
        start.SignalAndWait();
        clock.Restart();
        threads.ForEach(t => t.Join());
        var seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return new RunResult(all.Length, errors, seconds, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static bool LookupOnce(IPEndPoint server, byte[] buffer)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Connect(server);
            socket.Send(Request);
            var got = 0;
            while (true)
            {
                var read = socket.Receive(buffer, got, buffer.Length - got, SocketFlags.None);
                if (read == 0)
                {
                    break;
                }
                got += read;
            }
            // 119, 0, port: the node must have been found.
            return got > 4 && buffer[0] == EpmdTags.Port2Response && buffer[1] == 0 && (buffer[2] << 8 | buffer[3]) == NodePort;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static double Percentile(long[] sorted, double q)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var ticks = sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return ticks * 1_000_000.0 / Stopwatch.Frequency;
    }
}
