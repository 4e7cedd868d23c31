using System.Text;
using Drover.Jmx.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Jmx.Tests;

/// <summary>
/// A fake helper (a shell script) that answers the first request with bytes of the test's choosing: garbage,
/// a truncated reply, an oversized line. Every case ends in a clear <see cref="JmxException"/> within the
/// request timeout, never a hang or a crash, and the next helper is started fresh.
/// </summary>
public sealed class FakeHelperTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly string _directory = Directory.CreateTempSubdirectory("drover-fake-helper-").FullName;
    private int _files;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ValidReply_IsReturned()
    {
        await using var helper = Fake("{\"id\":1,\"ok\":true,\"values\":{\"A\":[1,2.5,\"x\",null,{\"b\":false}]}}\n", thenExit: false);

        var values = await helper.ReadAsync("d:type=T", ["A"]);

        var items = values["A"].Items;
        Assert.Equal(1, items[0].AsInt64());
        Assert.Equal(2.5, items[1].AsDouble());
        Assert.Equal("x", items[2].AsString());
        Assert.True(items[3].IsNull);
        Assert.False(items[4].Properties["b"].AsBoolean());
    }

    [Fact]
    public async Task OversizedLine_IsAClearError_WithoutWaitingForItsEnd()
    {
        await using var helper = Fake(new string('x', 10_000), thenExit: false, maxLine: 4096);

        var error = await Assert.ThrowsAsync<JmxHelperFailedException>(() => helper.PingAsync());

        Assert.Contains("longer than the 4096-byte limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneMebibyteLimit_IsTheDefault()
    {
        var reply = "{\"id\":1,\"ok\":true,\"result\":\"" + new string('y', (1 << 20) + 10) + "\"}\n";
        await using var helper = Fake(reply, thenExit: false);

        var error = await Assert.ThrowsAsync<JmxHelperFailedException>(() => helper.PingAsync());

        Assert.Contains("longer than the 1048576-byte limit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplyJustUnderTheLimit_IsAccepted()
    {
        var text = new string('z', 4000);
        await using var helper = Fake("{\"id\":1,\"ok\":true,\"result\":\"" + text + "\"}\n", thenExit: false, maxLine: 4096);

        var result = await helper.InvokeAsync("d:type=T", "op", [], []);

        Assert.Equal(text, result.AsString());
    }

    [Fact]
    public async Task TruncatedReply_AtEveryPoint_SaysTheHelperExitedMidLine()
    {
        var reply = "{\"id\":1,\"ok\":true,\"values\":{\"OperationMode\":\"NORMAL\",\"Initialized\":true}}";
        for (var cut = 1; cut < reply.Length; cut++)
        {
            await using var helper = Fake(reply[..cut], thenExit: true);

            var error = await Assert.ThrowsAsync<JmxHelperFailedException>(() => helper.ReadAsync("d:type=T", ["OperationMode"]));

            Assert.Contains($"in the middle of a line ({cut} bytes)", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TruncatedReplyWithNewline_AtEveryPoint_IsMalformed()
    {
        var reply = "{\"id\":1,\"ok\":true,\"values\":{\"OperationMode\":\"NORMAL\"}}";
        for (var cut = 1; cut < reply.Length; cut++)
        {
            await using var helper = Fake(reply[..cut] + "\n", thenExit: false);

            var error = await Assert.ThrowsAsync<JmxHelperFailedException>(() => helper.ReadAsync("d:type=T", ["OperationMode"]));

            Assert.Contains("malformed line", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HelperRejectingOurRequest_BreaksIt_WithItsMessage()
    {
        await using var helper = Fake("{\"id\":null,\"ok\":false,\"error\":\"bad request: nope\"}\n", thenExit: false);

        var error = await Assert.ThrowsAsync<JmxHelperFailedException>(() => helper.PingAsync());

        Assert.Contains("bad request: nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelperThatNeverAnswers_TimesOut()
    {
        await using var helper = Fake("", thenExit: false, timeout: TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<JmxTimeoutException>(() => helper.PingAsync());
    }

    [Fact]
    public async Task HelperThatCannotStart_IsAHelperFailure()
    {
        await using var helper = new JmxHelper(new JmxHelperOptions
        {
            Executable = "/nonexistent/java",
            Arguments = ["java"],
        });

        var error = await Assert.ThrowsAsync<JmxHelperFailedException>(() => helper.PingAsync());

        Assert.Contains("/nonexistent/java", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelperThatKeepsDying_IsRestartedWithBackoff()
    {
        await using var helper = Fake("", thenExit: true, backoff: TimeSpan.FromSeconds(30));

        await Assert.ThrowsAsync<JmxHelperFailedException>(() => helper.PingAsync()); // exits
        await Assert.ThrowsAsync<JmxHelperFailedException>(() => helper.PingAsync()); // restarted at once, exits again
        var backoff = await Assert.ThrowsAsync<JmxHelperFailedException>(() => helper.PingAsync());

        Assert.Contains("failed 2 times in a row", backoff.Message, StringComparison.Ordinal);
        Assert.Contains("next start in", backoff.Message, StringComparison.Ordinal);
        Assert.Equal(2, helper.Starts);
    }

    [Fact]
    public void RandomGarbageLines_AlwaysEndInAJmxException()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            // Whatever the helper sends back (plus a newline, so the line is complete), the request ends in a JmxException.
            var line = bytes.Where(b => b != (byte)'\n').ToArray();
            var outcome = Outcome(line, appendNewline: true);
            return outcome is JmxHelperFailedException or JmxTimeoutException or JmxRemoteException
                && outcome.Message.Length > 0;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), property);
    }

    [Fact]
    public void RandomGarbageWithoutNewline_ThenExit_AlwaysSaysSo()
    {
        var property = Prop.ForAll(ArbMap.Default.ArbFor<NonEmptyString>(), text =>
        {
            var bytes = Encoding.UTF8.GetBytes(text.Get.Replace("\n", "", StringComparison.Ordinal));
            var outcome = Outcome(bytes, appendNewline: false);
            return outcome is JmxHelperFailedException failed
                && (bytes.Length == 0 || failed.Message.Contains("in the middle of a line", StringComparison.Ordinal));
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(30), property);
    }

    private Exception? Outcome(byte[] line, bool appendNewline)
    {
        var content = appendNewline ? [.. line, (byte)'\n'] : line;
        var helper = FakeBytes(content, thenExit: !appendNewline, timeout: TimeSpan.FromSeconds(3));
        try
        {
            helper.ReadAsync("d:type=T", ["A"]).Wait(TimeSpan.FromSeconds(20));
            return null;
        }
        catch (AggregateException e)
        {
            return e.InnerException;
        }
        finally
        {
            helper.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task HelperGoneBeforeTheNextWrite_TheWriteSaysHowItEnded()
    {
        // Answers one request after closing its stdin, then exits 3 while a child keeps its stdout open: the next
        // request's write fails (EPIPE) before the reader can see the end of the output, and must still say why.
        var script = "read -r request; exec 0<&-; printf '%s\\n' '{\"id\":1,\"ok\":true}'; sleep 5 & exit 3";
        await using var helper = new JmxHelper(new JmxHelperOptions
        {
            Executable = "/bin/sh",
            Arguments = ["sh", "-c", script],
            Environment = Tools.CurrentEnvironment(),
            RequestTimeout = Timeout,
        });
        await helper.PingAsync();

        var error = await Assert.ThrowsAsync<JmxHelperFailedException>(() => helper.PingAsync());

        Assert.Contains("stopped reading its stdin: exited with code 3", error.Message, StringComparison.Ordinal);
    }

    private JmxHelper Fake(string reply, bool thenExit, int maxLine = JmxHelperOptions.DefaultMaxLineBytes, TimeSpan? timeout = null, TimeSpan? backoff = null) =>
        FakeBytes(Encoding.UTF8.GetBytes(reply), thenExit, maxLine, timeout, backoff);

    /// <summary>A helper that reads one request line, writes <paramref name="reply"/>, then exits or waits for stdin to close.</summary>
    private JmxHelper FakeBytes(byte[] reply, bool thenExit, int maxLine = JmxHelperOptions.DefaultMaxLineBytes, TimeSpan? timeout = null, TimeSpan? backoff = null)
    {
        var file = Path.Combine(_directory, $"reply-{Interlocked.Increment(ref _files)}");
        File.WriteAllBytes(file, reply);
        var script = thenExit ? "read -r request; cat \"$1\"; exit 0" : "read -r request; cat \"$1\"; exec cat >/dev/null";
        return new JmxHelper(new JmxHelperOptions
        {
            Executable = "/bin/sh",
            Arguments = ["sh", "-c", script, "fake-helper", file],
            Environment = Tools.CurrentEnvironment(),
            MaxLineBytes = maxLine,
            RequestTimeout = timeout ?? Timeout,
            RestartBackoff = backoff ?? TimeSpan.FromMilliseconds(250),
        });
    }
}
