using System.Globalization;

namespace Drover.Mesos.Scheduler;

/// <summary>Mesos version strings ("1.12.0", "1.9.0-rc1") compared by their numeric part, as Mesos' own Version does.</summary>
public static class MasterVersion
{
    /// <summary>The numeric part, or null when <paramref name="text"/> is not a version.</summary>
    public static Version? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var end = 0;
        while (end < text.Length && (char.IsAsciiDigit(text[end]) || text[end] == '.'))
        {
            end++;
        }

        var parts = text[..end].Split('.', StringSplitOptions.None);
        if (parts.Length is < 1 or > 3 || parts.Any(p => p.Length == 0))
        {
            return null;
        }

        var numbers = new int[3];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return null;
            }
        }

        return new Version(numbers[0], numbers[1], numbers[2]);
    }

    /// <summary>Null when <paramref name="masterVersion"/> is at least <paramref name="minimum"/>, else the reason to refuse the master.</summary>
    public static string? Refusal(string? masterVersion, string minimum)
    {
        var required = TryParse(minimum) ?? throw new ArgumentException($"'{minimum}' is not a version", nameof(minimum));
        var actual = TryParse(masterVersion);
        if (actual is null)
        {
            return $"the master did not give a usable version ('{masterVersion ?? "none"}'); Drover's scheduler needs Mesos {minimum} or newer";
        }

        return actual < required
            ? $"the master runs Mesos {masterVersion}, older than {minimum}, the oldest that has what Drover's scheduler uses (the v1 scheduler API with MULTI_ROLE, RESERVATION_REFINEMENT, PARTITION_AWARE and operation feedback)"
            : null;
    }
}
