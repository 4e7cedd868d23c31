using System.Text;
using Drover.Posix.Interop;
using Drover.Testing;
using Microsoft.Win32.SafeHandles;

namespace Drover.Posix.Tests;

public class OutputPumpTests
{
    [Fact]
    public void Pump_ManyChildren_EachOutputLandsWholeInItsOwnFile()
    {
        const int ChildCount = 30;
        const int Lines = 300;
        using var dir = new TempDirectory();
        using var pump = new OutputPump();
        var closed = 0;
        var sinks = new List<RotatingLogFile>();
        var pids = new List<int>();
        for (var n = 0; n < ChildCount; n++)
        {
            var stdout = new RotatingLogFile(dir.File($"child{n}.out"));
            var stderr = new RotatingLogFile(dir.File($"child{n}.err"));
            sinks.AddRange([stdout, stderr]);
            var child = Children.Spawn(Children.Shell(
                $"i=0; while [ $i -lt {Lines} ]; do echo \"child {n} line $i\"; echo \"oops $i\" >&2; i=$((i+1)); done",
                StdioTarget.Pipe) with { Stderr = StdioTarget.Pipe });
            pump.Add(child.StdoutRead!, stdout, () => Interlocked.Increment(ref closed));
            pump.Add(child.StderrRead!, stderr, () => Interlocked.Increment(ref closed));
            pids.Add(child.Pid);
        }

        Eventually.True(() => Volatile.Read(ref closed) == 2 * ChildCount, "every pipe reached end of file");
        Assert.Equal(0, pump.Count);
        Assert.All(pids, pid => Assert.Equal(0, TestReaper.WaitForExit(pid).ExitCode));
        sinks.ForEach(s => s.Dispose());
        for (var n = 0; n < ChildCount; n++)
        {
            Assert.Equal(Enumerable.Range(0, Lines).Select(i => $"child {n} line {i}"), File.ReadAllLines(dir.File($"child{n}.out")));
            Assert.Equal(Enumerable.Range(0, Lines).Select(i => $"oops {i}"), File.ReadAllLines(dir.File($"child{n}.err")));
        }
    }

    [Fact]
    public void Pump_LargeOutput_IsRotatedWithoutLosingBytes()
    {
        using var dir = new TempDirectory();
        using var pump = new OutputPump();
        using var sink = new RotatingLogFile(dir.File("big.log"), maxBytes: 256 * 1024, maxFiles: 100);
        using var done = new ManualResetEventSlim();
        // 4 MB of 100-byte lines, written as fast as the pipe takes it.
        var child = Children.Spawn(Children.Shell(
            "yes 012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678 | head -n 40000",
            StdioTarget.Pipe));
        pump.Add(child.StdoutRead!, sink, done.Set);

        Assert.True(done.Wait(TimeSpan.FromSeconds(30)));
        TestReaper.WaitForExit(child.Pid);
        sink.Dispose();
        var files = Directory.GetFiles(dir.Path);
        Assert.Equal(4_000_000, files.Sum(f => new FileInfo(f).Length));
        Assert.All(files, f => Assert.True(new FileInfo(f).Length <= 256 * 1024));
        Assert.All(files.SelectMany(File.ReadAllLines), line => Assert.Equal(99, line.Length));
    }

    [Fact]
    public unsafe void Dispose_ClosesOpenPipesAndRunsTheirCallbacks()
    {
        using var dir = new TempDirectory();
        using var sink = new RotatingLogFile(dir.File("x"));
        var pump = new OutputPump();
        var fds = stackalloc int[2];
        Assert.Equal(0, Libc.pipe2(fds, Libc.O_CLOEXEC));
        var read = new SafeFileHandle(fds[0], ownsHandle: true);
        using var write = new SafeFileHandle(fds[1], ownsHandle: true);
        var closed = false;
        pump.Add(read, sink, () => closed = true);
        using (var writer = new FileStream(write, FileAccess.Write, 1, false))
        {
            writer.Write("before dispose\n"u8);
            Eventually.True(() => sink.Length == 15, "the pump copied the line");

            pump.Dispose();

            Assert.True(closed);
            Assert.True(read.IsClosed);
            Assert.Equal(0, pump.Count);
            Assert.Throws<ObjectDisposedException>(() => pump.Add(new SafeFileHandle(), sink));
        }
    }

    [Fact]
    public unsafe void SinkFailure_IsReportedAndThePumpGoesOn()
    {
        using var dir = new TempDirectory();
        var errors = new List<Exception>();
        using var pump = new OutputPump(e => { lock (errors) { errors.Add(e); } });
        var broken = new RotatingLogFile(dir.File("broken"));
        broken.Dispose();
        using var fine = new RotatingLogFile(dir.File("fine"));

        var a = Children.Spawn(Children.Shell("echo lost", StdioTarget.Pipe));
        var b = Children.Spawn(Children.Shell("echo kept", StdioTarget.Pipe));
        var closed = 0;
        pump.Add(a.StdoutRead!, broken, () => Interlocked.Increment(ref closed));
        pump.Add(b.StdoutRead!, fine, () => Interlocked.Increment(ref closed));

        Eventually.True(() => Volatile.Read(ref closed) == 2, "both pipes closed");
        lock (errors)
        {
            Assert.IsType<ObjectDisposedException>(Assert.Single(errors));
        }

        Assert.Equal("kept\n", Encoding.ASCII.GetString(File.ReadAllBytes(dir.File("fine"))));
        TestReaper.WaitForExit(a.Pid);
        TestReaper.WaitForExit(b.Pid);
    }
}
