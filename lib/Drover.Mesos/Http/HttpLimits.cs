namespace Drover.Mesos.Http;

/// <summary>Bounds on what an HTTP peer may send before it is refused: everything it controls is bounded.</summary>
public sealed record HttpLimits
{
    /// <summary>The limits the executor uses towards its agent and health endpoints.</summary>
    public static HttpLimits Default { get; } = new();

    /// <summary>Largest response head (status line, headers and the blank line). A Mesos agent sends a few hundred bytes.</summary>
    public int MaxHeadBytes { get; init; } = 32 * 1024;

    /// <summary>Most header lines in a head.</summary>
    public int MaxHeaders { get; init; } = 100;

    /// <summary>Longest chunk-size line (size, extensions, line ending).</summary>
    public int MaxChunkLineBytes { get; init; } = 1024;

    /// <summary>Largest chunk size accepted. Chunk data is streamed, never buffered whole; this only bounds arithmetic.</summary>
    public long MaxChunkSize { get; init; } = int.MaxValue;

    /// <summary>Largest trailer section after the last chunk (read and dropped).</summary>
    public int MaxTrailerBytes { get; init; } = 8 * 1024;
}
