namespace Drover.Scheduler.Model;

/// <summary>One thing wrong with operator input: the field (a JSON path such as <c>resources.cpus</c> or <c>ports[1].name</c>) and why.</summary>
public sealed record SpecError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Operator input refused; every error names its field (the operator API answers 400 with them).</summary>
public sealed class SpecException : Exception
{
    public SpecException(IReadOnlyList<SpecError> errors)
        : base(Describe(errors)) => Errors = errors;

    public SpecException()
        : this([])
    {
    }

    public SpecException(string message)
        : this([new SpecError("", message)])
    {
    }

    public SpecException(string message, Exception innerException)
        : base(message, innerException) => Errors = [new SpecError("", message)];

    public IReadOnlyList<SpecError> Errors { get; }

    private static string Describe(IReadOnlyList<SpecError> errors) =>
        errors.Count == 0 ? "invalid input" : string.Join("; ", errors.Select(e => e.ToString()));
}
