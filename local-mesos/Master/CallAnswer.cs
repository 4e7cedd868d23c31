namespace Drover.LocalMesos.Master;

/// <summary>What a request gets, decided before anything is written: a status, a text reason, or a protobuf body.</summary>
internal readonly record struct CallAnswer(int Status, string Body, byte[]? Protobuf = null)
{
    public static readonly CallAnswer Accepted = new(202, "");

    public static CallAnswer BadRequest(string reason) => new(400, reason);
}
