using System.Collections;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using Drover.Mesos.V1;

namespace Drover.Mesos.Resources;

/// <summary>
/// A bag of Mesos resources with Mesos' arithmetic (<c>src/common/resources.cpp</c>): resources that differ only
/// in their value are one entry (cpus reserved to the same role with the same labels add up; port ranges unite),
/// resources that differ in anything else (allocation role, reservations, disk info, revocable, shared,
/// provider) stay apart. A persistent volume (not shared) or a MOUNT disk is exclusive: it is never merged with
/// another and can only be taken away whole. Scalars are fixed-point with three decimals, as Mesos keeps them.
/// Immutable: Plus and Minus return new sets.
/// </summary>
public sealed class ResourceSet : IEnumerable<Resource>
{
    private readonly Entry[] _entries;

    private ResourceSet(Entry[] entries) => _entries = entries;

    public static ResourceSet Empty { get; } = new([]);

    public bool IsEmpty => _entries.Length == 0;

    /// <summary>Validates and normalises resources as they come from an offer, a task or an operation.</summary>
    public static ResourceSet Of(IEnumerable<Resource> resources)
    {
        var builder = new List<Entry>();
        foreach (var resource in resources)
        {
            var entry = Entry.From(resource);
            if (!entry.IsZero)
            {
                Add(builder, entry);
            }
        }

        return new ResourceSet([.. builder]);
    }

    public static ResourceSet Of(params Resource[] resources) => Of((IEnumerable<Resource>)resources);

    public ResourceSet Plus(ResourceSet other)
    {
        if (other.IsEmpty)
        {
            return this;
        }

        var builder = new List<Entry>(_entries);
        foreach (var entry in other._entries)
        {
            Add(builder, entry);
        }

        return new ResourceSet([.. builder]);
    }

    /// <summary>True when this set holds at least <paramref name="other"/>, entry by entry.</summary>
    public bool Contains(ResourceSet other) => other._entries.All(wanted => _entries.Any(held => held.Contains(wanted)));

    /// <summary>This set without <paramref name="other"/>; throws <see cref="ResourceErrorKind.NotContained"/> when it does not hold it.</summary>
    public ResourceSet Minus(ResourceSet other)
    {
        var builder = new List<Entry>(_entries);
        foreach (var wanted in other._entries)
        {
            var index = builder.FindIndex(held => held.Contains(wanted));
            if (index < 0)
            {
                throw new ResourceException(ResourceErrorKind.NotContained, $"{new ResourceSet([wanted])} is not in {this}");
            }

            var rest = builder[index].Minus(wanted);
            if (rest.IsZero)
            {
                builder.RemoveAt(index);
            }
            else
            {
                builder[index] = rest;
            }
        }

        return new ResourceSet([.. builder]);
    }

    /// <summary>The entries whose resource (value aside) satisfies <paramref name="predicate"/>.</summary>
    public ResourceSet Where(Func<Resource, bool> predicate) => new([.. _entries.Where(e => predicate(e.Template))]);

    /// <summary>The sum of every scalar entry named <paramref name="name"/>, whatever its reservation.</summary>
    public double Scalar(string name) => _entries.Where(e => e.Name == name).Sum(e => e.Milli) / 1000.0;

    /// <summary>The union of every range entry named <paramref name="name"/>.</summary>
    public RangeSet Ranges(string name) =>
        _entries.Where(e => e.Name == name).Aggregate(RangeSet.Empty, (all, e) => all.Union(e.Ranges));

    /// <summary>The resources as protos (fresh copies, safe to modify).</summary>
    public IEnumerator<Resource> GetEnumerator() => _entries.Select(e => e.ToProto()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Mesos' text form, e.g. <c>cpus(drover):1; mem(*):256; ports(*):[31000-31005]; disk(drover)[vol1:data]:64</c>.</summary>
    public override string ToString() => _entries.Length == 0 ? "{}" : string.Join("; ", _entries.Select(e => e.ToString()));

    private static void Add(List<Entry> builder, Entry entry)
    {
        if (!entry.Exclusive)
        {
            var index = builder.FindIndex(held => !held.Exclusive && held.Identity.Equals(entry.Identity));
            if (index >= 0)
            {
                builder[index] = builder[index].Plus(entry);
                return;
            }
        }

        builder.Add(entry);
    }

    /// <summary>One normalised resource: what identifies it (the proto with its value cleared) and its value.</summary>
    private sealed class Entry
    {
        private Entry(Resource template, ByteString identity, long milli, RangeSet ranges, IReadOnlySet<string> items)
        {
            Template = template;
            Identity = identity;
            Milli = milli;
            Ranges = ranges;
            Items = items;
            var disk = template.Disk;
            Exclusive = disk is not null && template.Shared is null
                && (disk.Persistence is not null || disk.Source?.Type == Resource.Types.DiskInfo.Types.Source.Types.Type.Mount);
        }

        public Resource Template { get; }

        public ByteString Identity { get; }

        public string Name => Template.Name;

        public long Milli { get; }

        public RangeSet Ranges { get; }

        public IReadOnlySet<string> Items { get; }

        public bool Exclusive { get; }

        public bool IsZero => Template.Type switch
        {
            Value.Types.Type.Scalar => Milli == 0,
            Value.Types.Type.Ranges => Ranges.IsEmpty,
            _ => Items.Count == 0,
        };

        public static Entry From(Resource resource)
        {
            if (string.IsNullOrEmpty(resource.Name))
            {
                throw new ResourceException(ResourceErrorKind.InvalidValue, "a resource has no name");
            }

            var template = resource.Clone();
            template.Scalar = null;
            template.Ranges = null;
            template.Set = null;
            // The deprecated single reservation and role are pre-refinement forms: RESERVATION_REFINEMENT
            // frameworks see only `reservations`; identical resources must not differ by a leftover default.
#pragma warning disable CS0612 // the deprecated fields are cleared precisely because they are deprecated
            template.ClearRole();
#pragma warning restore CS0612
            template.Reservation = null;
            var identity = template.ToByteString();
            switch (resource.Type)
            {
                case Value.Types.Type.Scalar:
                    var value = resource.Scalar?.Value
                        ?? throw new ResourceException(ResourceErrorKind.InvalidValue, $"scalar resource '{resource.Name}' has no value");
                    if (!double.IsFinite(value) || value < 0)
                    {
                        throw new ResourceException(ResourceErrorKind.InvalidValue, $"scalar resource '{resource.Name}' has value {value}");
                    }

                    return new Entry(template, identity, ToMilli(value), RangeSet.Empty, EmptyItems);
                case Value.Types.Type.Ranges:
                    var ranges = resource.Ranges
                        ?? throw new ResourceException(ResourceErrorKind.InvalidValue, $"ranges resource '{resource.Name}' has no ranges");
                    return new Entry(template, identity, 0, RangeSet.FromProto(ranges), EmptyItems);
                case Value.Types.Type.Set:
                    var set = resource.Set
                        ?? throw new ResourceException(ResourceErrorKind.InvalidValue, $"set resource '{resource.Name}' has no items");
                    return new Entry(template, identity, 0, RangeSet.Empty, set.Item.ToHashSet(StringComparer.Ordinal));
                default:
                    throw new ResourceException(ResourceErrorKind.InvalidValue, $"resource '{resource.Name}' has type {resource.Type}, which Mesos does not allow for resources");
            }
        }

        public bool Contains(Entry other)
        {
            if (!Identity.Equals(other.Identity))
            {
                return false;
            }

            if (Exclusive)
            {
                return ValueEquals(other);
            }

            return Template.Type switch
            {
                Value.Types.Type.Scalar => Milli >= other.Milli,
                Value.Types.Type.Ranges => Ranges.Contains(other.Ranges),
                _ => other.Items.IsSubsetOf(Items),
            };
        }

        public Entry Plus(Entry other) => new(Template, Identity, checked(Milli + other.Milli), Ranges.Union(other.Ranges), Union(Items, other.Items));

        public Entry Minus(Entry other) =>
            new(Template, Identity, Milli - other.Milli, Ranges.Subtract(other.Ranges), Items.Except(other.Items, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal));

        public Resource ToProto()
        {
            var resource = Template.Clone();
            switch (Template.Type)
            {
                case Value.Types.Type.Scalar:
                    resource.Scalar = new Value.Types.Scalar { Value = Milli / 1000.0 };
                    break;
                case Value.Types.Type.Ranges:
                    resource.Ranges = Ranges.ToProto();
                    break;
                default:
                    resource.Set = new Value.Types.Set();
                    resource.Set.Item.AddRange(Items.Order(StringComparer.Ordinal));
                    break;
            }

            return resource;
        }

        public override string ToString()
        {
            var text = new StringBuilder(Name).Append('(').Append(Template.ReservationRole()).Append(')');
            if (Template.Disk?.Persistence is { } persistence)
            {
                text.Append('[').Append(persistence.Id).Append(':').Append(Template.Disk.Volume?.ContainerPath).Append(']');
            }

            text.Append(':');
            return Template.Type switch
            {
                Value.Types.Type.Scalar => text.Append((Milli / 1000.0).ToString(CultureInfo.InvariantCulture)).ToString(),
                Value.Types.Type.Ranges => text.Append(Ranges).ToString(),
                _ => text.Append('{').Append(string.Join(", ", Items.Order(StringComparer.Ordinal))).Append('}').ToString(),
            };
        }

        private bool ValueEquals(Entry other) =>
            Milli == other.Milli && Ranges.Equals(other.Ranges) && Items.SetEquals(other.Items);

        private static readonly IReadOnlySet<string> EmptyItems = new HashSet<string>();

        private static IReadOnlySet<string> Union(IReadOnlySet<string> a, IReadOnlySet<string> b) =>
            b.Count == 0 ? a : a.Concat(b).ToHashSet(StringComparer.Ordinal);

        // Mesos: Value::Scalar arithmetic is done on llround(value * 1000).
        private static long ToMilli(double value) =>
            value > long.MaxValue / 1000.0
                ? throw new ResourceException(ResourceErrorKind.InvalidValue, $"scalar {value} is too large")
                : (long)Math.Round(value * 1000, MidpointRounding.AwayFromZero);
    }
}
