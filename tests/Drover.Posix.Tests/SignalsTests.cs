using Drover.Testing;

namespace Drover.Posix.Tests;

public class SignalsTests
{
    [Fact]
    public void SendToGroup_Sigterm_KillsChildrenAndGrandchildren()
    {
        var service = Children.Spawn(Children.Shell("sleep 1000 & sleep 1000 & wait"));
        Eventually.True(() => ProcessTree.GroupMembers(service.ProcessGroupId).Count == 3, "the shell and both sleeps run");
        var members = ProcessTree.GroupMembers(service.ProcessGroupId).Select(p => p.Pid).ToList();

        Assert.True(Signals.SendToGroup(service.ProcessGroupId, Signals.SIGTERM));

        Assert.Equal(Signals.SIGTERM, TestReaper.WaitForExit(service.Pid).Signal);
        Eventually.True(() => !Signals.GroupExists(service.ProcessGroupId), "the whole group is gone");
        Assert.All(members, pid => Assert.False(Signals.Exists(pid)));
    }

    [Fact]
    public void SendToGroup_EmptyGroup_ReturnsFalse()
    {
        var child = Children.Spawn(Children.Shell("exit 0"));
        TestReaper.WaitForExit(child.Pid);

        Assert.False(Signals.SendToGroup(child.ProcessGroupId, Signals.SIGTERM));
        Assert.False(Signals.Send(child.Pid, Signals.SIGTERM));
        Assert.False(Signals.Exists(child.Pid));
    }

    [Fact]
    public void Send_ToOurselvesWithSignalZero_ChecksExistence()
    {
        Assert.True(Signals.Send(Environment.ProcessId, 0));
        Assert.True(Signals.Exists(1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-5)]
    public void SendToGroup_RefusesGroupsThatWouldMeanEverything(int pgid)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Signals.SendToGroup(pgid, Signals.SIGKILL));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Send_RefusesNonPositivePids(int pid)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Signals.Send(pid, Signals.SIGKILL));
    }

    [Fact]
    public void Send_RefusesImpossibleSignals()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Signals.Send(Environment.ProcessId, 65));
        Assert.Throws<ArgumentOutOfRangeException>(() => Signals.Send(Environment.ProcessId, -1));
    }

    [Theory]
    [InlineData(Signals.SIGTERM, "SIGTERM")]
    [InlineData(Signals.SIGKILL, "SIGKILL")]
    [InlineData(Signals.SIGHUP, "SIGHUP")]
    [InlineData(Signals.SIGQUIT, "SIGQUIT")]
    [InlineData(Signals.SIGSYS, "SIGSYS")]
    [InlineData(34, "SIGRTMIN")]
    [InlineData(36, "SIGRTMIN+2")]
    [InlineData(64, "SIGRTMIN+30")]
    [InlineData(0, "signal 0")]
    [InlineData(99, "signal 99")]
    public void Describe_GivesTheName(int signal, string name)
    {
        Assert.Equal(name, Signals.Describe(signal));
    }

    [Theory]
    [InlineData("SIGTERM", 15)]
    [InlineData("TERM", 15)]
    [InlineData("term", 15)]
    [InlineData(" 9 ", 9)]
    [InlineData("sigkill", 9)]
    [InlineData("64", 64)]
    public void TryParse_AcceptsNamesAndNumbers(string text, int signal)
    {
        Assert.True(Signals.TryParse(text, out var parsed));
        Assert.Equal(signal, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("65")]
    [InlineData("-9")]
    [InlineData("SIG")]
    [InlineData("SIGNOPE")]
    [InlineData("9x")]
    [InlineData("+9")]
    public void TryParse_RejectsTheRest(string? text)
    {
        Assert.False(Signals.TryParse(text, out _));
    }

    [Fact]
    public void TryParse_NeverThrows_OnRandomText()
    {
        var random = new Random(1234);
        for (var i = 0; i < 5000; i++)
        {
            var chars = new char[random.Next(0, 12)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = (char)random.Next(0, 128);
            }

            _ = Signals.TryParse(new string(chars), out _);
        }
    }
}
