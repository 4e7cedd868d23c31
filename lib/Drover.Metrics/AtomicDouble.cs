namespace Drover.Metrics;

/// <summary>
/// Lock-free arithmetic on a double kept as its 64-bit pattern in a long: Interlocked has no Add for
/// doubles, so we retry a compare-exchange. Comparing bit patterns (not doubles) keeps the loop
/// finite when the value is NaN, which never equals itself.
/// </summary>
internal static class AtomicDouble
{
    public static double Read(ref long bits) => BitConverter.Int64BitsToDouble(Volatile.Read(ref bits));

    public static void Write(ref long bits, double value) => Interlocked.Exchange(ref bits, BitConverter.DoubleToInt64Bits(value));

    public static void Add(ref long bits, double amount)
    {
        var seen = Volatile.Read(ref bits);
        while (true)
        {
            var next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + amount);
            var before = Interlocked.CompareExchange(ref bits, next, seen);
            if (before == seen)
            {
                return;
            }
            seen = before;
        }
    }
}
