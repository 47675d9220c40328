using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Steps;

/// <summary>
/// The console's one-shot mark (<see cref="UserProperties.NextBoot"/> on the BE container): set by a
/// one-shot activation, dropped by a persistent one and by Go back. Each step undoes to the BE the mark
/// named before the operation, or to no mark.
/// </summary>
public static class NextBoot
{
    public static void Set(OperationContext context, Plan plan, HostState state, string be, string why) =>
        context.AddZfs(plan, why, new ZfsSet(context.Layout.BeContainer, UserProperties.NextBoot, be), Restore(context, state));

    /// <summary>Drops the mark, if there is one.</summary>
    public static void Drop(OperationContext context, Plan plan, HostState state, string why)
    {
        if (state.NextBoot is null) return;
        context.AddZfs(plan, why, new ZfsInherit(context.Layout.BeContainer, UserProperties.NextBoot), Restore(context, state));
    }

    private static ZfsCommand Restore(OperationContext context, HostState state) => state.NextBoot is { } previous
        ? new ZfsSet(context.Layout.BeContainer, UserProperties.NextBoot, previous.Name)
        : new ZfsInherit(context.Layout.BeContainer, UserProperties.NextBoot);
}
