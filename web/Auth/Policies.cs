namespace SnapUpgrade.Web.Auth;

/// <summary>DESIGN section 6 as authorization policies. The per-operation rule stays in
/// <c>Permissions</c> (so a refused attempt is audited); these guard pages and reads.</summary>
public static class Policies
{
    /// <summary>Any role: dashboards, views, audit log.</summary>
    public const string Viewer = "Viewer";
    /// <summary>admin and operator.</summary>
    public const string Operate = "Operate";
    /// <summary>admin only: users, tokens, zones and the like.</summary>
    public const string Admin = "Admin";
}
