namespace Drover.Epmd.Protocol;

/// <summary>
/// epmd's own UTF-8 check (<c>verify_utf8</c> in <c>epmd_srv.c</c>): rejects overlong forms, surrogates
/// and code points above U+10FFFF, and counts characters. Node names are compared as bytes, so a name
/// that passes converts to a .NET string and back without change.
/// </summary>
public static class EpmdUtf8
{
    /// <summary>The number of characters in <paramref name="bytes"/>, or -1 when it is not valid UTF-8.</summary>
    public static int CountCharacters(ReadOnlySpan<byte> bytes)
    {
        var count = 0;
        var i = 0;
        while (i < bytes.Length)
        {
            var width = SequenceWidth(bytes[i..]);
            if (width < 0)
            {
                return -1;
            }
            i += width;
            count++;
        }
        return count;
    }

    private static int SequenceWidth(ReadOnlySpan<byte> s)
    {
        var lead = s[0];
        if ((lead & 0x80) == 0)
        {
            return 1;
        }
        if ((lead & 0xE0) == 0xC0)
        {
            var ok = s.Length >= 2 && IsContinuation(s[1]) && lead >= 0xC2;
            return ok ? 2 : -1;
        }
        if ((lead & 0xF0) == 0xE0)
        {
            if (s.Length < 3 || !IsContinuation(s[1]) || !IsContinuation(s[2]) || (lead == 0xE0 && s[1] < 0xA0))
            {
                return -1;
            }
            var surrogate = (lead & 0x0F) == 0x0D && (s[1] & 0x20) != 0;
            return surrogate ? -1 : 3;
        }
        if ((lead & 0xF8) == 0xF0)
        {
            if (s.Length < 4 || !IsContinuation(s[1]) || !IsContinuation(s[2]) || !IsContinuation(s[3])
                || (lead == 0xF0 && s[1] < 0x90))
            {
                return -1;
            }
            var beyondUnicode = (lead & 0x07) > 4 || ((lead & 0x07) == 4 && (s[1] & 0x3F) > 0x0F);
            return beyondUnicode ? -1 : 4;
        }
        return -1;
    }

    private static bool IsContinuation(byte b) => (b & 0xC0) == 0x80;
}
