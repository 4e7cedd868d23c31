using System.Runtime.CompilerServices;
using CliWrap;
using Drover.Testing.Programs;

namespace Drover.Testing.Standins.Drill;

/// <summary>
/// A fake Apache Drill install directory: bin/drillbit.sh handles `run` by starting DrillStandin.java (a
/// drillbit that speaks Drill's ZooKeeper registration and REST protocols) in the foreground, reading the
/// drill-override.conf in DRILL_CONF_DIR as the real script does. The Java class is compiled once (cached in
/// the temp directory by the source's hash) against Debian's ZooKeeper jars.
/// </summary>
public sealed class DrillStandinInstall : IDisposable
{
    /// <summary>Debian's ZooKeeper client and what it needs at run time.</summary>
    public const string ZooKeeperClassPath =
        "/usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar";

    private static readonly Lazy<string> Classes = new(Compile, LazyThreadSafetyMode.ExecutionAndPublication);

    private DrillStandinInstall(string directory)
    {
        InstallDir = directory;
    }

    /// <summary>What NodeSpec.install_dir should say.</summary>
    public string InstallDir { get; }

    public string DrillbitScript => Path.Combine(InstallDir, "bin", "drillbit.sh");

    /// <summary>Writes the install in a new temporary directory, or in <paramref name="directory"/> (created if missing).</summary>
    public static DrillStandinInstall Create(string? directory = null)
    {
        var classes = Classes.Value;
        directory = directory is null ? Directory.CreateTempSubdirectory("drover-drill-install-").FullName : Directory.CreateDirectory(directory).FullName;
        var bin = Directory.CreateDirectory(Path.Combine(directory, "bin")).FullName;
        var script = Path.Combine(bin, "drillbit.sh");
        File.WriteAllText(script, $$"""
            #!/bin/sh
            # Drover's test stand-in for Apache Drill's bin/drillbit.sh: `run` starts a drillbit in the foreground.
            if [ "$1" != run ]; then
              echo "drillbit.sh stand-in: only 'run' is supported (got '$1')" >&2
              exit 1
            fi
            conf="${DRILL_CONF_DIR:?DRILL_CONF_DIR is not set}/drill-override.conf"
            if [ ! -r "$conf" ]; then
              echo "Drill config file missing: $conf -- Wrong config dir?" >&2
              exit 1
            fi
            if [ -n "$JAVA_HOME" ]; then java="$JAVA_HOME/bin/java"; else java=java; fi
            exec "$java" -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
              -cp '{{classes}}:{{ZooKeeperClassPath}}' DrillStandin "$conf"

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
        if (OperatingSystem.IsLinux()) // the stand-ins are Linux-only; the guard keeps CA1416 quiet
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return new DrillStandinInstall(directory);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(InstallDir, recursive: true);
        }
        catch (IOException)
        {
            // A test's temp dir: leaving it is harmless.
        }
    }

    /// <summary>javac DrillStandin.java unless an earlier run compiled the same source; returns the classes directory.</summary>
    private static string Compile()
    {
        var source = Path.Combine(SourceDirectory(), "DrillStandin.java");
        if (!File.Exists(source))
        {
            throw new FileNotFoundException($"The Drill stand-in source is not beside its fixture (looked for {source}).", source);
        }

        // Keyed by the source's hash: reused by later runs, recompiled when the source changes.
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(source)))[..16];
        var output = Path.Combine(Path.GetTempPath(), $"drover-drill-standin-{hash}");
        if (File.Exists(Path.Combine(output, "DrillStandin.class")))
        {
            return output;
        }

        var staging = Path.Combine(Path.GetTempPath(), $"drover-drill-standin-{hash}-{Environment.ProcessId}");
        Directory.CreateDirectory(staging);
        var javac = ExternalProgram.RunAsync(
            Cli.Wrap("javac").WithArguments(["-proc:none", "-nowarn", "-cp", ZooKeeperClassPath, "-d", staging, source]),
            TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
        if (javac.TimedOut)
        {
            throw new TimeoutException("javac DrillStandin.java took over 120 s");
        }

        if (javac.ExitCode != 0)
        {
            throw new InvalidOperationException($"javac DrillStandin.java failed ({javac.ExitCode}): {javac.Output}");
        }

        try
        {
            Directory.Move(staging, output); // atomic: a concurrent test process sees all classes or none
        }
        catch (IOException) when (Directory.Exists(output))
        {
            Directory.Delete(staging, recursive: true); // another process won the race with the same classes
        }

        return output;
    }

    /// <summary>This file's directory in the checkout, where DrillStandin.java sits beside it.</summary>
    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
