using System.Net.Sockets;
using Drover.Sidecar.Proxy;
using Drover.Testing;

namespace Drover.Sidecar.Tests;

/// <summary>A forwarding loop's command queue: whatever other threads post is carried out, however the posts and the loop's wake-ups interleave.</summary>
public sealed class ForwardingLoopTests
{
    private const int Posters = 8;
    private const int PostsEach = 50_000;
    private const int Burst = 2;

    [Fact]
    public async Task CommandsPostedFromManyThreadsAtOnce_AreAllCarriedOut()
    {
        // A command whose effect is visible and needs nothing but the loop: cancelling a connect that was
        // never watched completes its task (canceled). The socket is only there for its descriptor.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        // Not disposed when the test fails: a loop that sleeps on its queue would never take the Stop command,
        // and Dispose would wait for it forever (its thread is a background thread; the test process ends).
        var loop = new ForwardingLoop("drover-forward-test");
        var carried = 0;
        var posters = Enumerable.Range(0, Posters).Select(p => Task.Factory.StartNew(() =>
        {
            var burst = new Task[Burst];
            for (var i = 0; i < PostsEach; i += Burst)
            {
                for (var j = 0; j < Burst; j++)
                {
                    var pending = new PendingConnect(loop, socket);
                    loop.Post(ForwardingLoop.CommandKind.CancelConnect, pending);
                    burst[j] = pending.Writable;
                }
                // Waiting for each burst lets the loop fall asleep and be woken again, many times over.
                var done = Task.WhenAll(burst).ContinueWith(static _ => { }, TaskScheduler.Default);
                if (!done.Wait(TimeSpan.FromSeconds(10)))
                {
                    throw new TimeoutException($"poster {p}: {burst.Count(t => !t.IsCompleted)} of a burst of {Burst} commands not carried out after 10 s ({Volatile.Read(ref carried)} carried so far): the loop sleeps with commands queued");
                }
                Interlocked.Add(ref carried, Burst);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();

        await Task.WhenAll(posters).Within("the posters", TimeSpan.FromSeconds(120));
        Assert.Equal(Posters * PostsEach, carried);
        loop.Dispose();
    }
}
