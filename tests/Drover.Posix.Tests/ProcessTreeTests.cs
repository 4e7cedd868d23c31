using System.Text;
using Drover.Posix.Proc;
using Drover.Testing;

namespace Drover.Posix.Tests;

public class ProcessTreeTests
{
    [Fact]
    public void Read_Self_MatchesWhatWeKnow()
    {
        var me = ProcessTree.Read(Environment.ProcessId);

        Assert.Equal(Environment.ProcessId, me.Pid);
        Assert.True(me.ParentPid > 0);
        Assert.NotEqual('Z', me.State);
        Assert.False(string.IsNullOrEmpty(me.Command));
    }

    [Fact]
    public void Read_MissingProcess_IsEsrch()
    {
        var child = Children.Spawn(Children.Shell("exit 0"));
        TestReaper.WaitForExit(child.Pid);

        var error = Assert.Throws<PosixException>(() => ProcessTree.Read(child.Pid));
        Assert.Equal(Errno.ESRCH, error.Errno);
        Assert.False(ProcessTree.TryRead(child.Pid, out _));
    }

    [Fact]
    public void Descendants_FindsChildrenAndGrandchildren()
    {
        var service = Children.Spawn(Children.Shell("sh -c 'sleep 1000 & wait' & sleep 1000 & wait"));
        try
        {
            Eventually.True(() => ProcessTree.Descendants(service.Pid).Count == 3, "the inner sh and both sleeps run");
            var tree = ProcessTree.Descendants(service.Pid);

            Assert.Equal(2, tree.Count(p => p.Command == "sleep"));
            Assert.Contains(tree, p => p.ParentPid != service.Pid); // the grandchild
            Assert.DoesNotContain(tree, p => p.Pid == service.Pid);
            Assert.All(tree, p => Assert.Equal(service.ProcessGroupId, p.ProcessGroupId));
            Assert.Contains(ProcessTree.Descendants(Environment.ProcessId), p => p.Pid == service.Pid);
        }
        finally
        {
            Children.KillGroup(service.ProcessGroupId);
        }
    }

    [Fact]
    public void EscapedGrandchild_IsFoundAndReapedByUsAsSubreaper()
    {
        // The grandchild leaves the service's session with setsid, then its parent exits: it is re-parented
        // to us (subreaper) instead of init, so ProcessTree finds it and our reaper collects it.
        var service = Children.Spawn(Children.Shell(
            "setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo $!", StdioTarget.Pipe));
        var escaped = int.Parse(Children.ReadLine(service.StdoutRead!), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, TestReaper.WaitForExit(service.Pid).ExitCode);
        service.StdoutRead!.Dispose();

        Eventually.True(() => ProcessTree.Read(escaped).Command == "sleep", "setsid has exec'd sleep");
        var orphan = ProcessTree.Read(escaped);
        Assert.Equal(Environment.ProcessId, orphan.ParentPid);
        Assert.Equal(escaped, orphan.SessionId);
        Assert.NotEqual(service.ProcessGroupId, orphan.ProcessGroupId);
        Assert.Contains(ProcessTree.Descendants(Environment.ProcessId), p => p.Pid == escaped);
        Assert.False(Signals.GroupExists(service.ProcessGroupId)); // a group kill of the service misses it

        Assert.True(Signals.Send(escaped, Signals.SIGKILL));
        Assert.Equal(new ChildExit(escaped, null, Signals.SIGKILL, false), TestReaper.WaitForExit(escaped));
    }

    [Fact]
    public void KillAll_KillsTheWholeTree_IncludingEscapedSessionsAndForkingLoops()
    {
        var service = Children.Spawn(Children.Shell(
            "setsid sleep 1000 & (while :; do sleep 1000 & sleep 0.01; done) & sleep 1000 & wait"));
        Eventually.True(() => ProcessTree.Descendants(service.Pid).Count(p => p.Command == "sleep") >= 4, "the tree has grown");
        Eventually.True(() => ProcessTree.Descendants(service.Pid).Any(p => p.SessionId != service.Pid), "one sleep escaped its session");
        List<ProcessInfo> before = [.. ProcessTree.Descendants(service.Pid)];

        var killed = ProcessTree.KillAll(service.Pid, Signals.SIGKILL);

        Assert.True(killed >= before.Count + 1, $"{killed} signalled for a tree of {before.Count + 1}");
        Assert.Equal(Signals.SIGKILL, TestReaper.WaitForExit(service.Pid).Signal);
        // Also the sleeps forked after the snapshot above: the group empties only when none survived.
        Eventually.True(() => before.All(p => !Signals.Exists(p.Pid)), "every process of the tree is gone");
        Eventually.True(() => !Signals.GroupExists(service.ProcessGroupId), "nothing of the service's group is left");
    }

    [Fact]
    public void Read_CommandWithSpacesAndParentheses_IsParsedFromTheLastParenthesis()
    {
        using var dir = new TempDirectory();
        var odd = dir.File("a) (b c");
        File.CreateSymbolicLink(odd, "/usr/bin/sleep");
        var child = Children.Spawn(new SpawnRequest { Executable = odd, Arguments = ["x", "1000"], WorkingDirectory = "/" });
        try
        {
            var info = ProcessTree.Read(child.Pid);
            Assert.Equal("a) (b c", info.Command);
            Assert.Equal(Environment.ProcessId, info.ParentPid);
            Assert.Equal(child.Pid, info.SessionId);
        }
        finally
        {
            Children.KillGroup(child.ProcessGroupId);
        }
    }

    [Fact]
    public async Task Snapshot_WhileProcessesComeAndGo_NeverFails()
    {
        using var stop = new CancellationTokenSource();
        var churn = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                TestReaper.WaitForExit(Children.Spawn(Children.Shell("exit 0")).Pid);
            }
        });

        for (var i = 0; i < 30; i++)
        {
            Assert.NotEmpty(ProcessTree.Snapshot());
            _ = ProcessTree.Descendants(Environment.ProcessId);
            _ = ProcessStats.ForTree(Environment.ProcessId);
        }

        await stop.CancelAsync();
        await churn;
    }

    // --- the stat parser over raw bytes ---------------------------------------------------------

    private const string Sample =
        "4242 (we) ird (x) S 1 4242 4242 0 -1 4194560 120 0 0 0 250 75 0 0 20 0 3 0 98765 10485760 2560 "
        + "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

    [Fact]
    public void Parse_Sample_ReadsTheFields()
    {
        Assert.True(ProcStat.TryParse(Encoding.ASCII.GetBytes(Sample), out var stat));

        Assert.Equal(4242, stat.Pid);
        Assert.Equal(1, stat.ParentPid);
        Assert.Equal(4242, stat.ProcessGroupId);
        Assert.Equal(4242, stat.SessionId);
        Assert.Equal('S', stat.State);
        Assert.Equal(250UL, stat.UserTicks);
        Assert.Equal(75UL, stat.SystemTicks);
        Assert.Equal(3, stat.Threads);
        Assert.Equal(98765UL, stat.StartTimeTicks);
        Assert.Equal(2560, stat.RssPages);
        Assert.Equal("we) ird (x", Sample.Substring(stat.CommandStart, stat.CommandLength));
    }

    [Fact]
    public void Parse_CommandWithNewline_StillParses()
    {
        var text = "7 (two\nlines) R 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 5 0 0 0\n";

        Assert.True(ProcStat.TryParse(Encoding.ASCII.GetBytes(text), out var stat));
        Assert.Equal('R', stat.State);
        Assert.Equal(5UL, stat.StartTimeTicks);
    }

    [Fact]
    public void Parse_EveryTruncation_IsRejectedUntilRssIsComplete()
    {
        var text = Encoding.ASCII.GetBytes(Sample);
        var complete = Sample.IndexOf(" 2560 ", StringComparison.Ordinal) + " 2560 ".Length;

        for (var length = 0; length < text.Length; length++)
        {
            var parsed = ProcStat.TryParse(text.AsSpan(0, length), out var stat);
            Assert.Equal(length >= complete, parsed);
            if (parsed)
            {
                Assert.Equal(2560, stat.RssPages);
            }
        }
    }

    [Fact]
    public void Parse_RealStatOfEveryProcess_Succeeds()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            byte[] text;
            try
            {
                text = File.ReadAllBytes(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue; // vanished
            }

            Assert.True(ProcStat.TryParse(text, out var stat), Encoding.UTF8.GetString(text));
            Assert.Equal(int.Parse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture), stat.Pid);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("()")]
    [InlineData("x (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 ")]
    [InlineData("0 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 ")]
    [InlineData("-3 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 ")]
    [InlineData("1 (a) SS 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 ")]
    [InlineData("1 (a) 5 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 ")]
    [InlineData("1 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 2x ")]
    [InlineData("1 (a) S 1  2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 ")]
    [InlineData("1 (a) S 99999999999 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 ")]
    [InlineData("1 (a) S 1 2 3 4 5 6 7 8 9 10 -11 12 13 14 15 16 17 18 19 20 21 ")]
    [InlineData("1 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 99999999999999999999 ")]
    [InlineData("1 a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 ")]
    public void Parse_Malformed_IsRejected(string text)
    {
        Assert.False(ProcStat.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void Parse_RandomGarbageAndMutations_NeverThrow()
    {
        var random = new Random(99);
        var sample = Encoding.ASCII.GetBytes(Sample);
        var alphabet = Encoding.ASCII.GetBytes("0123456789 ()-SZR\n\0x");
        for (var i = 0; i < 20000; i++)
        {
            byte[] text;
            if (i % 2 == 0)
            {
                text = new byte[random.Next(0, 200)];
                for (var j = 0; j < text.Length; j++)
                {
                    text[j] = random.Next(3) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
                }
            }
            else
            {
                text = (byte[])sample.Clone();
                text[random.Next(text.Length)] = alphabet[random.Next(alphabet.Length)];
            }

            _ = ProcStat.TryParse(text, out _);
        }
    }
}
