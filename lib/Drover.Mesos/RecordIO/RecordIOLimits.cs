namespace Drover.Mesos.RecordIO;

/// <summary>Bounds on what a RecordIO peer may declare.</summary>
public static class RecordIOLimits
{
    /// <summary>
    /// Default largest record accepted (16 MiB). Executor events are small (a LAUNCH_GROUP with a
    /// serialized NodeSpec is a few KiB); this only stops a broken peer from making us buffer gigabytes.
    /// </summary>
    public const int DefaultMaxRecordSize = 16 * 1024 * 1024;

    /// <summary>
    /// Most digits a length header may have: the digits of 2^64 - 1, the largest length Mesos'
    /// decoder (a <c>size_t</c>) can hold. Only leading zeros can make a header this long and still
    /// be under the size limit.
    /// </summary>
    public const int MaxLengthDigits = 20;
}
