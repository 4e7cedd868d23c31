using System.Globalization;

namespace Drover.Scheduler.Plans;

/// <summary>Orders service versions as people write them: 1.10 after 1.9, numbers compared as numbers, the rest as text.</summary>
public static class Versions
{
    private static readonly char[] Separators = ['.', '-', '_', '+', '~'];

    public static int Compare(string a, string b)
    {
        var left = a.Split(Separators);
        var right = b.Split(Separators);
        for (var i = 0; i < Math.Max(left.Length, right.Length); i++)
        {
            var x = i < left.Length ? left[i] : "";
            var y = i < right.Length ? right[i] : "";
            var order = long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var m) && long.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? m.CompareTo(n)
                : string.CompareOrdinal(x, y);
            if (order != 0)
            {
                return Math.Sign(order);
            }
        }

        return 0;
    }
}
