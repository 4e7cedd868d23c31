using System.Text;

namespace Drover.Epmd.Protocol;

/// <summary>
/// <c>STOP_REQ</c> (epmd <c>-stop Name</c>): forcibly unregister a name.
/// <code>
///  1     N
/// +---+------+
/// |115| Name |   (read as a C string: up to the first NUL)
/// +---+------+
/// </code>
/// </summary>
public static class StopRequest
{
    /// <summary>
    /// Parses the name. A name that is not UTF-8 cannot match any registration and comes back as null with
    /// <see cref="EpmdParseStatus.Ok"/>: epmd answers it with NOEXIST, not with a close.
    /// </summary>
    public static EpmdParseStatus TryParse(ReadOnlySpan<byte> body, out string? name)
    {
        name = null;
        if (body.Length <= 1 || body[0] != EpmdTags.StopRequest)
        {
            return EpmdParseStatus.Malformed;
        }
        var bytes = body[1..];
        var end = bytes.IndexOf((byte)0);
        if (end >= 0)
        {
            bytes = bytes[..end];
        }
        if (EpmdUtf8.CountCharacters(bytes) >= 0)
        {
            name = Encoding.UTF8.GetString(bytes);
        }
        return EpmdParseStatus.Ok;
    }
}
