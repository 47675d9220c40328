using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Components.Authorization;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Web.Auth;

namespace SnapUpgrade.Web.Components.Pages.Admin;

/// <summary>
/// Runs one admin action (user-add, token-revoke, ...) and writes its audit row, with the signed-in
/// user as the actor: the row is written whether the store accepted or refused the change, and an
/// action whose row cannot be written does not run.
/// </summary>
public sealed class AdminAudit(IAuditLog audit, Task<AuthenticationState> authState, SnapUpgrade.Web.Live.ConsoleClient? client)
{
    /// <summary>Runs <paramref name="change"/>; an <see cref="AccountException"/> becomes a refusal (its message returned).</summary>
    public async Task<string?> RunAsync(string action, string target, Func<Task> change, CancellationToken ct = default)
    {
        var user = (await authState).User;
        var actor = SnapUpgrade.Web.Live.ConsoleActor.Of(user, client)
            ?? throw new InvalidOperationException("An admin action ran without a signed-in user.");
        await audit.EnsureWritableAsync(ct);
        var watch = Stopwatch.StartNew();
        string outcome = "succeeded";
        string? refusal = null;
        try
        {
            await change();
        }
        catch (AccountException ex)
        {
            outcome = "refused";
            refusal = ex.Message;
        }
        catch (Exception ex)
        {
            await AppendAsync(actor, action, target, "failed", ex.Message, watch.ElapsedMilliseconds, ct);
            throw;
        }
        await AppendAsync(actor, action, target, outcome, refusal, watch.ElapsedMilliseconds, ct);
        return refusal;
    }

    private Task AppendAsync(Actor actor, string action, string target, string outcome, string? message, long ms, CancellationToken ct) =>
        audit.AppendAsync(new AuditRecord
        {
            Actor = actor.Name, Role = Roles.Name(actor.Role), Source = actor.Source, Action = action, Target = target,
            Outcome = outcome, Message = message, DurationMs = ms,
        }, ct);

    /// <summary>A password a person can type once and change: 20 letters and digits, no look-alikes.</summary>
    public static string GeneratePassword() =>
        RandomNumberGenerator.GetString("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);
}
