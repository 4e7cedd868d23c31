namespace Drover.Epmd;

/// <summary>
/// Identifies one registration (one ALIVE2 connection), so that the end of an old connection never
/// removes a newer registration of the same name.
/// </summary>
public readonly record struct RegistrationToken(Guid Value)
{
    /// <summary>A fresh, unique token.</summary>
    public static RegistrationToken New() => new(Guid.NewGuid());

    public override string ToString() => Value.ToString("N");
}
