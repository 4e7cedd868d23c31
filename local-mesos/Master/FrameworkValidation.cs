using Drover.Mesos.V1;

namespace Drover.LocalMesos.Master;

/// <summary>The master's checks of a subscribing FrameworkInfo (src/master/validation.cpp, framework::validate), with its wording.</summary>
internal static class FrameworkValidation
{
    public static string? Validate(FrameworkInfo info)
    {
        var multiRole = info.Capabilities.Any(c => c.Type == FrameworkInfo.Types.Capability.Types.Type.MultiRole);
#pragma warning disable CS0612 // the deprecated single role is what old frameworks send
        if (!multiRole && info.Roles.Count > 0)
        {
            return "'FrameworkInfo.roles' is set but MULTI_ROLE capability is missing";
        }

        if (multiRole && info.HasRole)
        {
            return "'FrameworkInfo.role' must not be set when the MULTI_ROLE capability is present";
        }

        var roles = multiRole ? info.Roles.ToList() : [info.Role];
#pragma warning restore CS0612
        if (roles.Count != roles.Distinct(StringComparer.Ordinal).Count())
        {
            return "'FrameworkInfo.roles' contains duplicate items";
        }

        foreach (var role in roles)
        {
            if (RoleError(role) is { } error)
            {
                return error;
            }
        }

        return info.Id is { Value.Length: 0 } ? "'FrameworkInfo.id' must not be empty" : null;
    }

    /// <summary>roles::validate: no empty role, no ".", "..", leading '-', whitespace, or '/' path segments that are empty.</summary>
    public static string? RoleError(string role)
    {
        if (role == "*")
        {
            return null;
        }

        if (role.Length == 0)
        {
            return "Empty role name is invalid";
        }

        if (role.StartsWith('/') || role.EndsWith('/') || role.Contains("//", StringComparison.Ordinal))
        {
            return $"Role '{role}' cannot start or end with a slash, or contain consecutive slashes";
        }

        foreach (var segment in role.Split('/'))
        {
            if (segment is "." or ".." || segment.StartsWith('-'))
            {
                return $"Role '{role}' cannot contain '.' or '..' as a path segment, or a segment starting with '-'";
            }

            if (segment.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                return $"Role '{role}' cannot contain whitespace or control characters";
            }
        }

        return null;
    }
}
