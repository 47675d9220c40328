using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MudBlazor;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Web.Components.Dialogs;

namespace SnapUpgrade.Web.Components.Pages.BootEnvironments;

/// <summary>One row action: its verb (the data-testid part), and why it is disabled (null: enabled).</summary>
public sealed record BeAction(string Verb, string Label, string Icon, Color Color, string? Reason);

/// <summary>A click on a row action.</summary>
public sealed record BeActionClick(string Verb, BootEnvironment Be);

/// <summary>
/// The actions of one BE row and why each is disabled: the role table, then the operation's own
/// Validate against the current state; the very checks the engine makes when it runs.
/// </summary>
public static class BeActions
{
    public const string Activate = "activate", ActivateOnce = "activate-once", ActivateReboot = "activate-reboot",
        GoBack = "go-back", Rename = "rename", Destroy = "destroy", Mount = "mount", Unmount = "unmount", Snapshots = "snapshots",
        ClearUpgrade = "clear-upgrade";

    // The actions of the BEs shown, per state: every page holds the one state the watcher pushed, so ten pages showing
    // the same rows work them out once, not once each (issue 13: at 1000 BEs a promote changes every row, and each row's
    // eight checks ran again in every open page). Entries go with their state.
    private static readonly ConditionalWeakTable<HostState, ConcurrentDictionary<(BootEnvironment Be, Role Role, bool CanReboot), IReadOnlyList<BeAction>>> Worked = new();

    /// <summary>The actions of <paramref name="be"/>, a BE of <paramref name="state"/>, for <paramref name="role"/>: worked out once per state.</summary>
    public static IReadOnlyList<BeAction> For(BootEnvironment be, HostState state, Role role, bool canReboot) =>
        Worked.GetValue(state, _ => new(ByReference.Instance)).GetOrAdd((be, role, canReboot), key => WorkOut(key.Be, state, key.Role, key.CanReboot));

    private static List<BeAction> WorkOut(BootEnvironment be, HostState state, Role role, bool canReboot)
    {
        var name = be.Name;
        var actions = new List<BeAction>
        {
            // Keeping a BE on trial is its activation.
            new(Activate, be.IsOnTrial ? $"Keep {name}: activate it for good" : $"Activate {name}", Icons.Material.Filled.PlayCircle, Color.Primary,
                Why.Not(role, new ActivateBe(name), state, "activate boot environments")),
            new(ActivateOnce, $"Try {name} on the next boot only (a trial)", Icons.Material.Filled.LooksOne, Color.Primary,
                Why.Not(role, new ActivateBe(name, Temporary: true), state, "activate boot environments")),
        };
        if (be.Trial != TrialState.None)
            actions.Add(new(GoBack, $"Go back from the trial of {name}", Icons.Material.Filled.Undo, Color.Warning,
                Why.Not(role, new EndTrial(name), state, "go back from a trial")));
        // Made by an upgrade: once its staged writes are applied, the admin clears its staged tree and base (issue 14).
        if (be.Upgrade is not null)
            actions.Add(new(ClearUpgrade, $"Clear the upgrade of {name} (its staged tree and base snapshot)", Icons.Material.Filled.CleaningServices,
                Color.Default, Why.Not(role, new ClearUpgrade(name), state, "clear upgrades")));
        if (canReboot)
            actions.Add(new(ActivateReboot, $"Activate {name} and reboot", Icons.Material.Filled.RestartAlt, Color.Warning,
                Why.Not(role, new ActivateBe(name), state, "activate boot environments")));
        actions.AddRange(
        [
            new(Rename, $"Rename {name}", Icons.Material.Filled.DriveFileRenameOutline, Color.Default,
                Why.Not(role, new RenameBe(name, FreeName(state)), state, "rename boot environments")),
            // Mounted: still offered, the dialog has the force-unmount switch.
            new(Destroy, $"Destroy {name}", Icons.Material.Filled.Delete, Color.Error,
                Why.Not(role, new DestroyBe(name, ForceUnmount: true), state, "destroy boot environments")),
            new(Mount, $"Mount {name}", Icons.Material.Filled.FolderOpen, Color.Default,
                Why.Not(role, new MountBe(name), state, "mount boot environments")),
            new(Unmount, $"Unmount {name}", Icons.Material.Filled.Eject, Color.Default,
                Why.Not(role, new UnmountBe(name), state, "unmount boot environments")),
            // The list is every role's to read; the dialog's own actions say what the role may not do.
            new(Snapshots, $"Snapshots of {name}", Icons.Material.Filled.PhotoLibrary, Color.Default, null),
        ]);
        return actions;
    }

    /// <summary>A BE by reference: a record's own equality compares every field, and a BE of the state is the one asked for.</summary>
    private sealed class ByReference : IEqualityComparer<(BootEnvironment Be, Role Role, bool CanReboot)>
    {
        public static readonly ByReference Instance = new();

        public bool Equals((BootEnvironment Be, Role Role, bool CanReboot) x, (BootEnvironment Be, Role Role, bool CanReboot) y) =>
            ReferenceEquals(x.Be, y.Be) && x.Role == y.Role && x.CanReboot == y.CanReboot;

        public int GetHashCode((BootEnvironment Be, Role Role, bool CanReboot) key) =>
            HashCode.Combine(RuntimeHelpers.GetHashCode(key.Be), key.Role, key.CanReboot);
    }

    /// <summary>A valid, unused name, so a rename's Validate speaks about the BE, not about the new name.</summary>
    private static string FreeName(HostState state)
    {
        var probe = "renamed";
        for (var i = 2; Checks.FreeName(state, probe) is not null; i++) probe = $"renamed-{i}";
        return probe;
    }
}
