using System.Security.Cryptography;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Web.Auth;

namespace SnapUpgrade.Web.Components.Pages.Admin;

/// <summary>
/// Runs one admin action (user-add, token-revoke, ...) through <see cref="AuditedChanges"/>, with the
/// signed-in user as the actor. Scoped, like <see cref="CurrentActor"/>: the panels inject it.
/// </summary>
public sealed class AdminAudit(IAuditLog audit, CurrentActor current)
{
    /// <summary>Runs <paramref name="change"/>; an <see cref="AccountException"/> becomes a refusal (its message returned).</summary>
    public async Task<string?> RunAsync(string action, string target, Func<Task> change, CancellationToken ct = default)
    {
        var actor = await current.GetAsync()
            ?? throw new InvalidOperationException("An admin action ran without a signed-in user.");
        return await new AuditedChanges(audit).RunAsync(actor, action, target, change, ct);
    }

    /// <summary>A password a person can type once and change: 20 letters and digits, no look-alikes.</summary>
    public static string GeneratePassword() =>
        RandomNumberGenerator.GetString("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);
}
