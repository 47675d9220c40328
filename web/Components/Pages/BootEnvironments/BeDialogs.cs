using MudBlazor;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Web.Components.Dialogs;

namespace SnapUpgrade.Web.Components.Pages.BootEnvironments;

/// <summary>
/// The BE operations' dialogs, opened the one way (<see cref="OperationDialogs.OpenAsync"/>) on the host
/// as the page shows it. A run nudges the watcher itself: the page follows through its subscription.
/// </summary>
public sealed class BeDialogs(IDialogService dialogs, HostState state, Actor actor)
{
    public Task CreateAsync(string? source = null) => OpenAsync("Create a boot environment",
        new DialogParameters<CreateBeDialog> { { d => d.InitialSource, source } });

    public Task ActivateAsync(string name, bool once = false, bool reboot = false) => ConfirmAsync(
        once ? $"Try {name} on the next boot only" : reboot ? $"Activate {name} and reboot" : Keeping(name) ? $"Keep {name}" : $"Activate {name}",
        new()
        {
            {
                d => d.Intro, once
                    ? $"Boot {name} on the next boot only, as a trial: after that boot, Keep it or Go back (a configured " +
                      "health command decides by itself). Unless it is kept, the boot after uses the active boot environment again."
                    : Keeping(name)
                        ? $"Keep {name}: end its trial and make it the boot environment the host boots from."
                        : $"Make {name} the boot environment the host boots from{(reboot ? ", then reboot the host into it" : "")}."
            },
            { d => d.ConfirmText, once ? "Try once" : reboot ? "Activate and reboot" : Keeping(name) ? "Keep" : "Activate" },
            { d => d.Build, _ => new ActivateBe(name, once) },
            { d => d.Success, _ => once ? $"Activated {name} for the next boot only." : $"Activated {name}: it boots on the next reboot." },
            { d => d.Reboot, reboot },
        });

    public Task GoBackAsync(BootEnvironment be) => ConfirmAsync($"Go back from the trial of {be.Name}", new()
    {
        {
            d => d.Intro, be.IsNextBoot
                ? $"Cancel the trial: the next boot uses {state.ActiveOnReboot?.Name} again, not {be.Name}."
                : $"End the trial of {be.Name}: {state.ActiveOnReboot?.Name} stays active, and the next reboot boots it."
        },
        { d => d.ConfirmText, "Go back" }, { d => d.ConfirmColor, Color.Warning },
        { d => d.Build, _ => new EndTrial(be.Name) },
        { d => d.Success, _ => $"Went back from the trial of {be.Name}: the next boot is {state.ActiveOnReboot?.Name}." },
    });

    public Task ClearUpgradeAsync(string name) => ConfirmAsync($"Clear the upgrade of {name}", new()
    {
        {
            d => d.Intro, $"Remove what {name}'s upgrade staged (its copy at /var/.snapupgrade, already applied to the shared data) " +
                          "and the snapshot of the shared data it was compared with. The applied data stays."
        },
        { d => d.ConfirmText, "Clear" },
        { d => d.Build, _ => new ClearUpgrade(name) },
        { d => d.Success, _ => $"Cleared the upgrade of {name}." },
    });

    public Task DestroyAsync(BootEnvironment be) => ConfirmAsync($"Destroy {be.Name}", new()
    {
        { d => d.Intro, $"Destroy {be.Name}, its snapshots and its zone boot environments. This cannot be undone." },
        { d => d.ConfirmText, "Destroy" }, { d => d.ConfirmColor, Color.Error },
        { d => d.Build, f => new DestroyBe(be.Name, f.Option) },
        { d => d.Success, _ => $"Destroyed {be.Name}." },
        { d => d.OptionLabel, be.IsMounted || be.ZoneBes.Any(z => z.IsMounted) ? "Unmount it first (force)" : null },
    });

    public Task RenameAsync(string name) => OpenAsync($"Rename {name}", new DialogParameters<RenameBeDialog> { { d => d.Name, name } });

    public Task MountAsync(string name) => OpenAsync($"Mount {name}", new DialogParameters<MountBeDialog> { { d => d.Name, name } });

    public Task UnmountAsync(BootEnvironment be) => ConfirmAsync($"Unmount {be.Name}", new()
    {
        { d => d.Intro, $"Unmount {be.Name} from {be.MountedAt}, with its zone boot environments and shared binds." },
        { d => d.ConfirmText, "Unmount" },
        { d => d.Build, _ => new UnmountBe(be.Name) },
        { d => d.Success, _ => $"Unmounted {be.Name}." },
    });

    public Task TakeSnapshotAsync(string name) => OpenAsync($"Snapshot {name}",
        new DialogParameters<TakeSnapshotDialog> { { d => d.Name, name } });

    public Task DestroySnapshotAsync(string name, string snapshot) => ConfirmAsync($"Destroy {name}@{snapshot}", new()
    {
        { d => d.Intro, $"Destroy the snapshot {name}@{snapshot} (and its zone boot environments' snapshots of that name)." },
        { d => d.ConfirmText, "Destroy" }, { d => d.ConfirmColor, Color.Error },
        { d => d.Build, _ => new DestroySnapshot(name, snapshot) },
        { d => d.Success, _ => $"Destroyed snapshot {name}@{snapshot}." },
    });

    public Task RollbackAsync(string name, string snapshot) => ConfirmAsync($"Roll {name} back to @{snapshot}", new()
    {
        { d => d.Intro, $"Roll {name} (and its zone boot environments) back to @{snapshot}. Changes made since are lost." },
        { d => d.ConfirmText, "Roll back" }, { d => d.ConfirmColor, Color.Warning },
        { d => d.Build, f => new RollbackBe(name, snapshot, f.Option) },
        { d => d.Success, _ => $"Rolled {name} back to @{snapshot}." },
        { d => d.OptionLabel, "Also destroy later snapshots" },
    });

    private bool Keeping(string name) => state.Find(name)?.IsOnTrial == true;

    private Task<OperationResult?> ConfirmAsync(string title, DialogParameters<ConfirmOperationDialog> parameters) => OpenAsync(title, parameters);

    private Task<OperationResult?> OpenAsync<TDialog>(string title, DialogParameters<TDialog> parameters) where TDialog : OperationDialogBase =>
        dialogs.OpenAsync(title, actor, parameters, state);
}
