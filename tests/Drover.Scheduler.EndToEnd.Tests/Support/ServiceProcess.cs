using System.Globalization;
using System.Text;

namespace Drover.Scheduler.EndToEnd.Tests.Support;

/// <summary>The sample spec's service (<c>python3 -m http.server PORT</c>) as /proc shows it: found by the port it was given.</summary>
public static class ServiceProcess
{
    /// <summary>The pid of the http.server serving <paramref name="port"/>, or null when none runs.</summary>
    public static int? Find(int port)
    {
        var wanted = $"http.server\0{port.ToString(CultureInfo.InvariantCulture)}\0";
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var commandLine = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(directory, "cmdline")));
                if (commandLine.Contains(wanted, StringComparison.Ordinal))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
            catch (UnauthorizedAccessException)
            {
                // Another user's process: not ours.
            }
        }

        return null;
    }
}
