using Drover.Epmd.Protocol;

namespace Drover.Epmd;

/// <summary>
/// epmd's creation numbering (<c>bump_creation</c>/<c>get_creation</c> in <c>epmd_srv.c</c>, OTP 23+).
/// Each name has a 32-bit counter: a new name starts at the current Unix time in seconds plus one, a name
/// registered again gets its previous counter plus one, and a counter is never below 4. A node of
/// version 6 or more receives the counter itself (32-bit creation); an older node receives
/// <c>counter % 3 + 1</c>, i.e. 1..3, the 2-bit creation of old distribution.
/// </summary>
public static class EpmdCreation
{
    private const uint Lowest = 4;

    /// <summary>The first counter for a name never seen: the clock, bumped.</summary>
    public static uint FirstCounter(DateTimeOffset now) => Bump(unchecked((uint)now.ToUnixTimeSeconds()));

    /// <summary>The next counter for a name registered again.</summary>
    public static uint Bump(uint counter)
    {
        var next = unchecked(counter + 1);
        return next < Lowest ? Lowest : next;
    }

    /// <summary>The creation a node speaking up to <paramref name="highestVersion"/> is given for <paramref name="counter"/>.</summary>
    public static uint ForVersion(uint counter, ushort highestVersion) =>
        highestVersion >= EpmdLimits.ExtendedCreationVersion ? counter : counter % 3 + 1;
}
