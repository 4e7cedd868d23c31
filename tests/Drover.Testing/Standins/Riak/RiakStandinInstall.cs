namespace Drover.Testing.Standins.Riak;

/// <summary>
/// A fake Riak install directory whose bin/riak runs a real Erlang node (OTP's <c>erl</c>) standing in for
/// Riak KV on the surfaces Drover uses:
/// <list type="bullet">
/// <item>`bin/riak console -noinput` reads `$RUNNER_ETC_DIR/riak.conf` (default &lt;install&gt;/etc) and starts
/// <c>erl -name &lt;nodename&gt; -setcookie &lt;distributed_cookie&gt; -start_epmd false</c> with
/// inet_dist_listen_min/max from erlang.distribution.port_range.*, so with ERL_EPMD_PORT it registers with
/// (c)EPMD on that port;</item>
/// <item>GET /ping on listener.http.internal answers 200 "OK" (see <see cref="MakeUnhealthy"/>);
/// listener.protobuf.internal answers RpbPingReq and RpbGetServerInfoReq (naming the node); handoff.port
/// accepts connections;</item>
/// <item>bin/riak-admin (or `bin/riak admin`) `cluster join &lt;node&gt;`, `cluster plan`, `cluster commit` and
/// `ringready` act on the nodes over Erlang distribution and print Riak's texts (join → "Success: staged join
/// request for ...", commit without a plan refused, "Cluster changes committed", "TRUE All nodes agree on the
/// ring [...]").</item>
/// </list>
/// </summary>
public sealed class RiakStandinInstall : IDisposable
{
    public const string DefaultErl = "/usr/bin/erl";

    /// <summary>The file in platform_data_dir that makes /ping answer 500 (or, holding "body", 200 with a wrong body).</summary>
    public const string UnhealthyFlagName = "standin-unhealthy";

    private RiakStandinInstall(string directory)
    {
        Directory = directory;
    }

    /// <summary>The install directory (NodeSpec.install_dir).</summary>
    public string Directory { get; }

    public string RiakScript => Path.Combine(Directory, "bin", "riak");

    public string RiakAdminScript => Path.Combine(Directory, "bin", "riak-admin");

    /// <summary>
    /// Writes a stand-in install in a new temporary directory, or in <paramref name="directory"/> (created if missing);
    /// without riak-admin it looks like Riak 3, whose admin commands are `riak admin`.
    /// </summary>
    public static RiakStandinInstall Create(bool withRiakAdmin = true, string erl = DefaultErl, string? directory = null)
    {
        if (!File.Exists(erl))
        {
            throw new InvalidOperationException($"the Riak stand-in needs Erlang/OTP's erl at {erl} (Debian package erlang-base)");
        }

        directory = directory is null ? System.IO.Directory.CreateTempSubdirectory("drover-riak-standin-").FullName : System.IO.Directory.CreateDirectory(directory).FullName;
        var install = new RiakStandinInstall(directory);
        const UnixFileMode Script = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        Write(install.RiakScript, RiakStandinFiles.Riak, Script);
        if (withRiakAdmin)
        {
            Write(install.RiakAdminScript, RiakStandinFiles.RiakAdmin, Script);
        }
        else
        {
            // bin/riak admin still needs the implementation, out of the way of a bin/riak-admin file test.
            Write(Path.Combine(directory, "lib", "riak-admin"), RiakStandinFiles.RiakAdmin, Script);
        }

        Write(Path.Combine(directory, "lib", "standin.sh"), RiakStandinFiles.Shared.Replace("@ERL@", erl, StringComparison.Ordinal), null);
        Write(Path.Combine(directory, "lib", "riak_standin.erl"), RiakStandinFiles.Erlang, null);
        return install;
    }

    /// <summary>Makes the node's /ping answer 500, or with <paramref name="wrongBody"/> 200 with a body other than "OK".</summary>
    public static void MakeUnhealthy(string dataDirectory, bool wrongBody = false) =>
        File.WriteAllText(Path.Combine(dataDirectory, UnhealthyFlagName), wrongBody ? "body" : "sick");

    public static void MakeHealthy(string dataDirectory) => File.Delete(Path.Combine(dataDirectory, UnhealthyFlagName));

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A node still starting may hold a file; the OS temp cleaner gets it.
        }
    }

    private static void Write(string path, string content, UnixFileMode? mode)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        if (mode is { } m && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, m);
        }
    }
}
