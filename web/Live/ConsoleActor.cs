using System.Security.Claims;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Web.Auth;

namespace SnapUpgrade.Web.Live;

/// <summary>
/// How components run operations: the signed-in user's claims become the <see cref="Actor"/>,
/// <see cref="AuditedOperations"/> checks the role, runs and audits (as the API does), and after a real
/// run the watcher is nudged so every browser, this one first, sees the result at once.
/// </summary>
public static class ConsoleActor
{
    /// <summary>
    /// The signed-in user as the audit trail names them, with the source "console" and the browser's
    /// address (the API's rows carry the address alone); null when not signed in.
    /// </summary>
    public static Actor? Of(ClaimsPrincipal? user, ConsoleClient? client) =>
        user?.Identity is { IsAuthenticated: true, Name: { } name } && ConsoleClaims.RoleOf(user) is { } role
            ? new Actor(name, role, client?.Address is { Length: > 0 } address ? $"console {address}" : "console")
            : null;

    public static Task<OperationResult> RunAsync(this AuditedOperations operations, Actor actor, IHostStateStream? stream,
        IOperation operation, bool dryRun, CancellationToken ct = default) =>
        operations.RunAsync(actor, stream, operation, dryRun, reviewed: null, ct);

    /// <param name="reviewed">The reviewed dry run's <see cref="OperationResult.PlanToken"/>: run exactly that plan or nothing.</param>
    public static async Task<OperationResult> RunAsync(this AuditedOperations operations, Actor actor, IHostStateStream? stream,
        IOperation operation, bool dryRun, string? reviewed, CancellationToken ct = default)
    {
        try
        {
            return await operations.RunAsync(actor, operation, dryRun, reviewed, ct);
        }
        finally
        {
            if (!dryRun) stream?.Nudge();
        }
    }

    /// <summary>Why the role may not run the operation ("Operators cannot create zones."), or null.</summary>
    public static string? Forbidden(Role? role, IOperation operation, string doing) =>
        role is { } r && Permissions.Allows(r, operation) ? null : $"{Components.Dialogs.Why.Plural(role)} cannot {doing}.";

    /// <summary>The sentence a snackbar shows for a result.</summary>
    public static string Sentence(OperationResult result, string what)
    {
        if (result.Target is { } target && !what.Contains(target, StringComparison.Ordinal)) what = $"{what} {target}";
        return Outcome(result, what);
    }

    private static string Outcome(OperationResult result, string what) => result.Outcome switch
    {
        Core.Engine.Outcome.Succeeded => $"{what}: done.",
        Core.Engine.Outcome.Refused => $"{what}: refused. {result.Error?.Message}",
        _ => $"{what}: {result.Outcome.ToString().ToLowerInvariant()}. {result.Error?.Message}",
    };
}
