using System.Text;
using Drover.ZooKeeper.Tests.Support;

namespace Drover.ZooKeeper.Tests;

/// <summary>
/// Replies are handed to their callers on the connection's own thread, where a caller's synchronous continuation
/// runs. Caller code that holds that thread (it blocks, even on another reply of the same client) is left to
/// itself: another thread serves the connection meanwhile, so it costs a stall, never a deadlock.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ConnectionThreadTests(StandaloneServerFixture fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AContinuationBlockingOnAnotherReply_IsLeftToItself_AndTheClientServesOn()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("blocking");
        await client.CreateAsync(path, "x"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Persistent);

        var nested = client.GetDataAsync(path).ContinueWith(
            _ => (Thread.CurrentThread.Name, Data: client.GetDataAsync(path).GetAwaiter().GetResult().Data),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var (thread, data) = await nested.WaitAsync(Bound);

        Assert.StartsWith("ZooKeeper ", thread, StringComparison.Ordinal); // it did run on the connection's thread
        Assert.Equal("x", Encoding.UTF8.GetString(data));
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(i, (await client.SetDataAsync(path, Encoding.UTF8.GetBytes($"v{i}")).WaitAsync(Bound)).Version - 1);
        }
    }

    [Fact]
    public async Task ManyContinuationsBlockingInTurn_AllComplete_InOrder()
    {
        await using var client = await fixture.ConnectAsync();
        var path = StandaloneServerFixture.UniquePath("blocking-many");
        await client.CreateAsync(path, default, Ids.OpenAclUnsafe, CreateMode.Persistent);
        var order = new List<int>();

        var all = Enumerable.Range(0, 8).Select(i => client.ExistsAsync(path).ContinueWith(
            _ =>
            {
                lock (order)
                {
                    order.Add(i);
                }

                return client.ExistsAsync(path).GetAwaiter().GetResult();
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)).ToList();
        var stats = await Task.WhenAll(all).WaitAsync(Bound);

        Assert.All(stats, Assert.NotNull);
        Assert.Equal(Enumerable.Range(0, 8), order); // each handed over only once the one before it had started
    }
}
