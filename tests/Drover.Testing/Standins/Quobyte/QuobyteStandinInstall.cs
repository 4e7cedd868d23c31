using System.Runtime.CompilerServices;

namespace Drover.Testing.Standins.Quobyte;

/// <summary>
/// A fake Quobyte install directory: bin/quobyte-&lt;service&gt; for each service, each running
/// quobyte_standin.py (beside this file) with /usr/bin/python3. The stand-in reads host.cfg and
/// &lt;service&gt;.cfg from QUOBYTE_CONFIG_DIR and serves GET / on http.port.
/// </summary>
public sealed class QuobyteStandinInstall : IDisposable
{
    public const string Python = "/usr/bin/python3";

    public static IReadOnlyList<string> Services { get; } = ["registry", "metadata", "data", "api", "webconsole"];

    private QuobyteStandinInstall(string directory)
    {
        InstallDir = directory;
    }

    /// <summary>What NodeSpec.install_dir should say.</summary>
    public string InstallDir { get; }

    /// <summary>Writes the install in a new temporary directory, or in <paramref name="directory"/> (created if missing).</summary>
    public static QuobyteStandinInstall Create(string? directory = null)
    {
        var script = Path.Combine(SourceDirectory(), "quobyte_standin.py");
        if (!File.Exists(script))
        {
            throw new FileNotFoundException($"The Quobyte stand-in is not beside its fixture (looked for {script}).", script);
        }

        directory = directory is null ? Directory.CreateTempSubdirectory("drover-quobyte-install-").FullName : Directory.CreateDirectory(directory).FullName;
        var bin = Directory.CreateDirectory(Path.Combine(directory, "bin")).FullName;
        foreach (var service in Services)
        {
            var path = Path.Combine(bin, "quobyte-" + service);
            File.WriteAllText(path, $"#!/bin/sh\n# Drover's test stand-in for Quobyte's quobyte-{service}.\nexec {Python} '{script}' quobyte-{service}\n");
            if (OperatingSystem.IsLinux()) // the stand-ins are Linux-only; the guard keeps CA1416 quiet
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
        }

        return new QuobyteStandinInstall(directory);
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

    /// <summary>This file's directory in the checkout, where quobyte_standin.py sits beside it.</summary>
    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
