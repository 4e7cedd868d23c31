using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Drover.Epmd.Tests.Support;

/// <summary>
/// A real OTP node (<c>erl</c>) as a child process, pointed at one of our servers through
/// <c>ERL_EPMD_PORT</c>, named <c>name@127.0.0.1</c>. <c>-start_epmd false</c> keeps erl from spawning
/// its own epmd daemon.
/// </summary>
internal sealed class ErlangNode : IDisposable
{
    public const string Erl = "/usr/bin/erl";
    public const string Cookie = "drover";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _home;

    private ErlangNode(Process process, string name, string home)
    {
        _process = process;
        Name = name;
        _home = home;
    }

    public string Name { get; }

    public string FullName => $"{Name}@127.0.0.1";

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts a node; with <paramref name="eval"/> it runs that and is expected to <c>halt()</c>, without it it idles.</summary>
    public static ErlangNode Start(string name, int epmdPort, string? eval = null, bool hidden = false)
    {
        var home = Directory.CreateTempSubdirectory("drover-epmd-erl-").FullName;
        var start = new ProcessStartInfo(Erl)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.Environment["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["HOME"] = home;
        foreach (var arg in new[] { "-noshell", "-noinput", "-start_epmd", "false", "-name", $"{name}@127.0.0.1", "-setcookie", Cookie })
        {
            start.ArgumentList.Add(arg);
        }
        if (hidden)
        {
            start.ArgumentList.Add("-hidden");
        }
        if (eval is not null)
        {
            start.ArgumentList.Add("-eval");
            start.ArgumentList.Add(eval);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("erl did not start");
        var node = new ErlangNode(process, name, home);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits for a node started with an eval to halt, and returns what it printed.</summary>
    public async Task<string> WaitForExitAsync(TimeSpan deadline)
    {
        using var timer = new CancellationTokenSource(deadline);
        await _process.WaitForExitAsync(timer.Token);
        _process.WaitForExit(); // flushes the redirected output
        return Output;
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        try
        {
            Directory.Delete(_home, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
