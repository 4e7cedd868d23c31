using Drover.Mesos.V1;

namespace Drover.LocalMesos.Agent;

/// <summary>Builders for the resources Drover uses: scalars (cpus, mem, disk) and port ranges.</summary>
public static class Resources
{
    public static Resource Scalar(string name, double value) => new()
    {
        Name = name,
        Type = Value.Types.Type.Scalar,
        Scalar = new Value.Types.Scalar { Value = value },
    };

    public static Resource Cpus(double cpus) => Scalar("cpus", cpus);

    public static Resource Mem(double megabytes) => Scalar("mem", megabytes);

    public static Resource Disk(double megabytes) => Scalar("disk", megabytes);

    /// <summary>A "ports" resource of inclusive ranges, e.g. Ports((31000, 31009)).</summary>
    public static Resource Ports(params (ulong Begin, ulong End)[] ranges)
    {
        var value = new Value.Types.Ranges();
        foreach ((var begin, var end) in ranges)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(begin, end);
            value.Range.Add(new Value.Types.Range { Begin = begin, End = end });
        }

        return new Resource { Name = "ports", Type = Value.Types.Type.Ranges, Ranges = value };
    }
}
