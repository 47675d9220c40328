namespace SnapUpgrade.Web.Components.Account;

/// <summary>The login form's fields, bound from the POST.</summary>
public sealed class LoginInput
{
    public string? Name { get; set; }
    public string? Password { get; set; }
}
