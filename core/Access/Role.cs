namespace SnapUpgrade.Core.Access;

/// <summary>The three roles of DESIGN section 6. Stored and shown lower-case.</summary>
public enum Role { Admin, Operator, Auditor }

/// <summary>Who acts: a user or an API token's name, its role, and where the request came from.</summary>
public sealed record Actor(string Name, Role Role, string? Source)
{
    /// <summary>The console itself (start-up reconciliation, the simulator's seed).</summary>
    public static readonly Actor System = new("system", Role.Admin, null);
}

public static class Roles
{
    public static string Name(Role role) => role.ToString().ToLowerInvariant();

    public static bool TryParse(string? text, out Role role) =>
        Enum.TryParse(text, ignoreCase: true, out role) && Enum.IsDefined(role) && !int.TryParse(text, out _);
}
