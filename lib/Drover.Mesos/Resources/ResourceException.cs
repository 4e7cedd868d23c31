namespace Drover.Mesos.Resources;

/// <summary>What is wrong with resources: tests and callers branch on this, never on the message.</summary>
public enum ResourceErrorKind
{
    /// <summary>A resource without a name, a type that does not match the value set, a negative or non-finite scalar, a reversed range.</summary>
    InvalidValue,

    /// <summary>A subtraction of resources that the set does not hold.</summary>
    NotContained,
}

/// <summary>Resources that are malformed, or arithmetic on resources that cannot be done.</summary>
public sealed class ResourceException : Exception
{
    public ResourceException(ResourceErrorKind kind, string message)
        : base(message) => Kind = kind;

    public ResourceException()
        : this(ResourceErrorKind.InvalidValue, "invalid resources")
    {
    }

    public ResourceException(string message)
        : this(ResourceErrorKind.InvalidValue, message)
    {
    }

    public ResourceException(string message, Exception innerException)
        : base(message, innerException) => Kind = ResourceErrorKind.InvalidValue;

    public ResourceErrorKind Kind { get; }
}
