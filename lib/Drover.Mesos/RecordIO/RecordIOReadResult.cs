namespace Drover.Mesos.RecordIO;

/// <summary>What <see cref="RecordIOFrameReader.TryRead"/> found in the bytes received so far.</summary>
public enum RecordIOReadResult
{
    /// <summary>The buffer holds no complete record yet; nothing was consumed.</summary>
    NeedMoreData,

    /// <summary>A complete record was sliced off the front of the buffer.</summary>
    Record,
}
