namespace Drover.Epmd.Protocol;

/// <summary>What <see cref="EpmdFrameReader.TryRead"/> found in the bytes received so far.</summary>
public enum EpmdFrameStatus
{
    /// <summary>Not enough bytes yet: read more (at most <see cref="EpmdFrameReader.NextReadSize"/>).</summary>
    Incomplete,

    /// <summary>One whole request, and nothing after it.</summary>
    Complete,

    /// <summary>
    /// The 2-byte header declares 0 or more than <see cref="EpmdLimits.MaxRequestLength"/>: epmd closes the
    /// connection without an answer, and so do we. Decided as soon as the header is in, before any body.
    /// </summary>
    InvalidLength,

    /// <summary>
    /// More bytes arrived than the header declares, in the same read that completed the header. epmd
    /// treats that as a broken peer and closes without an answer.
    /// </summary>
    Overrun,
}
