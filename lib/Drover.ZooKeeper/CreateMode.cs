namespace Drover.ZooKeeper;

/// <summary>How a znode is created; the values are the wire flags of CreateRequest.</summary>
public enum CreateMode
{
    /// <summary>Lives until deleted.</summary>
    Persistent = 0,

    /// <summary>Deleted when the creating session ends.</summary>
    Ephemeral = 1,

    /// <summary>Persistent, with a monotonically increasing 10-digit counter appended to the name.</summary>
    PersistentSequential = 2,

    /// <summary>Ephemeral, with a monotonically increasing 10-digit counter appended to the name.</summary>
    EphemeralSequential = 3,

    /// <summary>Deleted by the server some time after its last child is deleted.</summary>
    Container = 4,
}

internal static class CreateModeExtensions
{
    public static bool IsSequential(this CreateMode mode) =>
        mode is CreateMode.PersistentSequential or CreateMode.EphemeralSequential;

    public static bool IsEphemeral(this CreateMode mode) =>
        mode is CreateMode.Ephemeral or CreateMode.EphemeralSequential;

    public static void Validate(this CreateMode mode)
    {
        if (mode is < CreateMode.Persistent or > CreateMode.Container)
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown create mode (TTL modes are not supported).");
        }
    }
}
