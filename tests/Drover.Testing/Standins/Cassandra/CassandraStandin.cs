using System.Security.Cryptography;
using System.Text;

namespace Drover.Testing.Standins.Cassandra;

/// <summary>
/// A fake Cassandra 4 install on disk: the scripts and conf of <see cref="CassandraInstallFiles"/> plus
/// FakeCassandra and FakeNodetool compiled by javac into lib/fake-cassandra. Built once per test process, in
/// a directory named after the sources' hash (so runs share it until the Java changes).
/// </summary>
public sealed class CassandraStandin
{
    public const string StorageServiceMBean = "org.apache.cassandra.db:type=StorageService";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static CassandraStandin? _prepared;

    private CassandraStandin(string installDir) => InstallDir = installDir;

    /// <summary>The fake's CASSANDRA_HOME: bin/, conf/, lib/fake-cassandra/.</summary>
    public string InstallDir { get; }

    public string CassandraScript => Path.Combine(InstallDir, "bin", "cassandra");

    public string NodetoolScript => Path.Combine(InstallDir, "bin", "nodetool");

    public string ClassesDir => Path.Combine(InstallDir, "lib", "fake-cassandra");

    /// <summary>Reads install files for a personality (PersonalityContext.ReadInstallFile).</summary>
    public static string? ReadInstallFile(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    public static async Task<CassandraStandin> PrepareAsync(RunTool run)
    {
        ArgumentNullException.ThrowIfNull(run);
        await Gate.WaitAsync();
        try
        {
            return _prepared ??= await BuildAsync(run);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static Task<CassandraStandin> BuildAsync(RunTool run) =>
        LayOutAsync(run, Path.Combine(Path.GetTempPath(), $"drover-cassandra-standin-{Environment.UserName}-{Hash(Sources)}"));

    private static string[] Sources =>
    [
        RepositoryFiles.PathOf("tests/Drover.Testing/Standins/Cassandra/FakeCassandra.java"),
        RepositoryFiles.PathOf("tests/Drover.Testing/Standins/Cassandra/FakeNodetool.java"),
    ];

    /// <summary>
    /// Lays the install out at <paramref name="installDir"/> (the tests' shared one, or the demo's under artifacts/):
    /// the classes compiled unless that directory has them already, the scripts and conf written every time.
    /// </summary>
    public static async Task<CassandraStandin> LayOutAsync(RunTool run, string installDir)
    {
        ArgumentNullException.ThrowIfNull(run);
        var sources = Sources;
        var classes = Path.Combine(installDir, "lib", "fake-cassandra");
        if (!File.Exists(Path.Combine(classes, "FakeNodetool.class")))
        {
            // Compile beside (same file system), then rename: concurrent test processes never see half a directory.
            var staging = Path.Combine(installDir, "lib", $"fake-cassandra-{Guid.NewGuid():N}");
            Directory.CreateDirectory(staging);
            var result = await run("javac", ["javac", "--release", "11", "-encoding", "UTF-8", "-d", staging, .. sources], staging, TimeSpan.FromMinutes(2));
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"javac of the Cassandra stand-in failed ({result.ExitCode}): {result.Output}");
            }

            try
            {
                Directory.Move(staging, classes);
            }
            catch (IOException) when (File.Exists(Path.Combine(classes, "FakeNodetool.class")))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        foreach (var (relative, content) in CassandraInstallFiles.All)
        {
            var path = Path.Combine(installDir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + "." + Guid.NewGuid().ToString("N");
            await File.WriteAllTextAsync(temporary, content + "\n");
            if (!OperatingSystem.IsWindows() && relative.StartsWith("bin/", StringComparison.Ordinal) && !relative.EndsWith(".sh", StringComparison.Ordinal))
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }

            File.Move(temporary, path, overwrite: true);
        }

        return new CassandraStandin(installDir);
    }

    private static string Hash(IEnumerable<string> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            sha.AppendData(File.ReadAllBytes(file));
        }

        // The scripts are rewritten every time; the hash only decides whether to recompile.
        sha.AppendData(Encoding.UTF8.GetBytes("javac --release 11"));
        return Convert.ToHexString(sha.GetHashAndReset())[..12].ToLowerInvariant();
    }
}
