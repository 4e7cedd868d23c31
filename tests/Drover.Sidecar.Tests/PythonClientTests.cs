using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Drover.Sidecar.Tests.Support;
using Drover.Testing;

namespace Drover.Sidecar.Tests;

/// <summary>
/// Another language's client: Debian's /usr/bin/python3 with python3-grpcio, its messages generated from
/// the published proto by Debian's protoc.
/// </summary>
[Collection(SidecarCollection.Name)]
public sealed class PythonClientTests(SidecarFixture zk)
{
    private const string Python = "/usr/bin/python3";
    private const string Protoc = "/usr/bin/protoc";

    [Fact]
    public async Task APythonGrpcClient_ListsResolvesAndWatches()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var client = await zk.ClientAsync();
        var registry = new RegistryWriter(client, framework);
        await registry.PutAsync(Nodes.Record("ring", "riak-1", host: "10.1.1.1"));
        await registry.PutAsync(Nodes.Record("ring", "riak-2", healthy: false));
        await using var sidecar = await RunningSidecar.StartAsync(zk.Settings(framework));
        await sidecar.UntilNodesAsync("ring", "riak-1", "riak-2");
        var generated = await GenerateAsync();

        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "python", "discovery_client.py"));
        start.ArgumentList.Add(sidecar.App.GrpcEndPoint.ToString());
        start.ArgumentList.Add("ring");
        start.Environment["PYTHONPATH"] = generated;
        using var python = Process.Start(start)!;
        var lines = Channel.CreateUnbounded<string>();
        var errors = python.StandardError.ReadToEndAsync();
        _ = Task.Run(async () =>
        {
            while (await python.StandardOutput.ReadLineAsync() is { } line)
            {
                lines.Writer.TryWrite(line);
            }
            lines.Writer.TryComplete();
        });
        async Task<JsonElement> NextAsync()
        {
            try
            {
                var line = await lines.Reader.ReadAsync().AsTask().Within("the Python client's next line", TimeSpan.FromSeconds(60));
                return JsonDocument.Parse(line).RootElement;
            }
            catch (ChannelClosedException)
            {
                throw new InvalidOperationException($"the Python client ended early:\n{await errors}");
            }
        }

        Assert.Equal(["ring"], (await NextAsync()).GetProperty("clusters").EnumerateArray().Select(e => e.GetString()));
        var nodes = await NextAsync();
        Assert.Equal(["riak-1"], nodes.GetProperty("nodes").EnumerateArray().Select(e => e.GetString()));
        Assert.True(nodes.GetProperty("live").GetBoolean());
        Assert.Equal("0", nodes.GetProperty("age_ms").GetString());
        Assert.Equal("NODE_LIFECYCLE_RUNNING", nodes.GetProperty("state").GetString());
        Assert.Equal(8087, nodes.GetProperty("ports").GetProperty("pb").GetInt32());
        Assert.Equal("10.1.1.1:8087", (await NextAsync()).GetProperty("resolve").GetString());
        var invalid = await NextAsync();
        Assert.Equal(("INVALID_ARGUMENT", "cluster: is required"), (invalid.GetProperty("error").GetString(), invalid.GetProperty("detail").GetString()));
        Assert.Equal("NOT_FOUND", (await NextAsync()).GetProperty("error").GetString());
        var snapshot = await NextAsync();
        Assert.Equal("SNAPSHOT", snapshot.GetProperty("watch").GetString());
        Assert.Equal(["riak-1", "riak-2"], snapshot.GetProperty("nodes").EnumerateArray().Select(e => e.GetString()));

        await registry.PutAsync(Nodes.Record("ring", "riak-3"));
        var added = await NextAsync();
        Assert.Equal(("ADDED", "riak-3"), (added.GetProperty("event").GetString(), added.GetProperty("node").GetString()));
        await python.WaitForExitAsync().Within("the Python client to exit");
        Assert.True(python.ExitCode == 0, await errors);
    }

    /// <summary>discovery_pb2.py from the published proto, by Debian's protoc (the version Debian's python3-protobuf reads).</summary>
    private static async Task<string> GenerateAsync()
    {
        var output = Directory.CreateTempSubdirectory("drover-python-").FullName;
        var start = new ProcessStartInfo(Protoc)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { $"-I{RepositoryProto()}", "-I/usr/include", $"--python_out={output}", "drover/v1/discovery.proto" })
        {
            start.ArgumentList.Add(argument);
        }
        using var protoc = Process.Start(start) ?? throw new InvalidOperationException($"{Protoc} did not start: install Debian's protobuf-compiler");
        var errors = protoc.StandardError.ReadToEndAsync();
        await protoc.WaitForExitAsync().Within("protoc");
        Assert.True(protoc.ExitCode == 0, $"protoc failed: {await errors}");
        return output;
    }

    private static string RepositoryProto()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Drover.slnx")))
            {
                return Path.Combine(dir.FullName, "proto");
            }
        }
        throw new DirectoryNotFoundException("no Drover.slnx above " + AppContext.BaseDirectory);
    }
}
