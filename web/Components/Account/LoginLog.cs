namespace SnapUpgrade.Web.Components.Account;

/// <summary>Sign-in log lines: the name and the address, never the password.</summary>
public static partial class LoginLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Name} ({Role}) signed in from {Source}")]
    public static partial void SignedIn(ILogger logger, string name, string role, string? source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sign-in refused for {Name} from {Source}: {Status}")]
    public static partial void Refused(ILogger logger, string name, string status, string? source);
}
