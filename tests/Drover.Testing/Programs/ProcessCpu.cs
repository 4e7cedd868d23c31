using System.Globalization;

namespace Drover.Testing.Programs;

/// <summary>The CPU time a process has used so far (utime + stime of <c>/proc/&lt;pid&gt;/stat</c>), to see that it does not spin.</summary>
public static class ProcessCpu
{
    /// <summary>Clock ticks per second of /proc (USER_HZ: 100 on every Linux this runs on).</summary>
    private const double UserHz = 100;

    /// <summary>Seconds of CPU used by <paramref name="pid"/>, or null once it is gone.</summary>
    public static double? Seconds(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }

        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields count from the last ')'.
        // After it: field 3 (state) is [0], so utime (14) is [11] and stime (15) is [12].
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / UserHz;
    }
}
