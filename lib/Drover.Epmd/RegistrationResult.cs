namespace Drover.Epmd;

/// <summary>The answer of <see cref="IEpmdRegistry.TryRegisterAsync"/>: <see cref="Registered"/> or <see cref="Duplicate"/>.</summary>
public abstract record RegistrationResult
{
    private protected RegistrationResult()
    {
    }

    /// <summary>The name was free on that host; the node now holds it.</summary>
    /// <param name="Registration">The stored registration, with its creation filled in.</param>
    public sealed record Registered(NodeRegistration Registration) : RegistrationResult
    {
        /// <summary>The creation to answer the node with.</summary>
        public uint Creation => Registration.Creation;
    }

    /// <summary>
    /// The name is already held on that host (epmd: "node name already occupied"); answered with
    /// ALIVE2 result 1.
    /// </summary>
    /// <param name="Existing">The registration that holds the name.</param>
    public sealed record Duplicate(NodeRegistration Existing) : RegistrationResult;
}
