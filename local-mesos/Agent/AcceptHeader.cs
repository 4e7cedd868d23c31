namespace Drover.LocalMesos.Agent;

/// <summary>
/// libprocess' Request::acceptsMediaType: no Accept header accepts everything; otherwise some media
/// range (exact, "type/*" or "*/*") with a non-zero q must match.
/// </summary>
internal static class AcceptHeader
{
    public static bool Accepts(string? accept, string mediaType)
    {
        if (accept is null)
        {
            return true;
        }

        var type = mediaType[..mediaType.IndexOf('/', StringComparison.Ordinal)];
        foreach (var element in accept.Split(','))
        {
            var parts = element.Split(';');
            var range = parts[0].Trim();
            if (parts.Skip(1).Any(IsZeroQuality))
            {
                continue;
            }

            if (range == "*/*"
                || string.Equals(range, type + "/*", StringComparison.OrdinalIgnoreCase)
                || string.Equals(range, mediaType, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsZeroQuality(string parameter)
    {
        var pair = parameter.Split('=', 2);
        return pair.Length == 2
            && pair[0].Trim() == "q"
            && double.TryParse(pair[1].Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var q)
            && q == 0;
    }
}
