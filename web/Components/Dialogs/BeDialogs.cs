using MudBlazor;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Web.Components.Dialogs;

/// <summary>Opens the operation dialogs; each returns true when its operation ran and succeeded.</summary>
public sealed class BeDialogs(IDialogService dialogs, HostState state, Actor actor)
{
    /// <summary>
    /// Escape cancels; a click beside the dialog does not (a half-typed name would be lost). The focus
    /// goes to the dialog's first stop: its first field, or the body of a dialog without fields.
    /// </summary>
    public static DialogOptions Options => new()
    {
        CloseOnEscapeKey = true, BackdropClick = false, MaxWidth = MaxWidth.Medium, FullWidth = true, CloseButton = true,
        DefaultFocus = DefaultFocus.FirstChild,
    };

    public Task<bool> CreateAsync(string? source = null) => ShowAsync<CreateBeDialog>("Create a boot environment",
        new() { [nameof(CreateBeDialog.InitialSource)] = source });

    public Task<bool> ActivateAsync(string name, bool once = false, bool reboot = false) => ConfirmAsync(
        once ? $"Activate {name} for the next boot only" : reboot ? $"Activate {name} and reboot" : $"Activate {name}",
        once
            ? $"Boot {name} on the next boot only; the boot after that uses the active boot environment again."
            : $"Make {name} the boot environment the host boots from{(reboot ? ", then reboot the host into it" : "")}.",
        once ? "Activate once" : reboot ? "Activate and reboot" : "Activate", Color.Primary,
        _ => new ActivateBe(name, once),
        _ => once ? $"Activated {name} for the next boot only." : $"Activated {name}: it boots on the next reboot.",
        reboot: reboot);

    public Task<bool> DestroyAsync(BootEnvironment be) => ConfirmAsync($"Destroy {be.Name}",
        $"Destroy {be.Name}, its snapshots and its zone boot environments. This cannot be undone.",
        "Destroy", Color.Error, force => new DestroyBe(be.Name, force), _ => $"Destroyed {be.Name}.",
        option: be.IsMounted || be.ZoneBes.Any(z => z.IsMounted) ? "Unmount it first (force)" : null);

    public Task<bool> RenameAsync(string name) => ShowAsync<RenameBeDialog>($"Rename {name}",
        new() { [nameof(RenameBeDialog.Name)] = name });

    public Task<bool> MountAsync(string name) => ShowAsync<MountBeDialog>($"Mount {name}",
        new() { [nameof(MountBeDialog.Name)] = name });

    public Task<bool> UnmountAsync(BootEnvironment be) => ConfirmAsync($"Unmount {be.Name}",
        $"Unmount {be.Name} from {be.MountedAt}, with its zone boot environments and shared binds.", "Unmount", Color.Primary,
        _ => new UnmountBe(be.Name), _ => $"Unmounted {be.Name}.");

    public Task<bool> TakeSnapshotAsync(string name) => ShowAsync<TakeSnapshotDialog>($"Snapshot {name}",
        new() { [nameof(TakeSnapshotDialog.Name)] = name });

    public Task<bool> DestroySnapshotAsync(string name, string snapshot) => ConfirmAsync($"Destroy {name}@{snapshot}",
        $"Destroy the snapshot {name}@{snapshot} (and its zone boot environments' snapshots of that name).", "Destroy", Color.Error,
        _ => new DestroySnapshot(name, snapshot), _ => $"Destroyed snapshot {name}@{snapshot}.");

    public Task<bool> RollbackAsync(string name, string snapshot) => ConfirmAsync($"Roll {name} back to @{snapshot}",
        $"Roll {name} (and its zone boot environments) back to @{snapshot}. Changes made since are lost.", "Roll back", Color.Warning,
        later => new RollbackBe(name, snapshot, later), _ => $"Rolled {name} back to @{snapshot}.",
        option: "Also destroy later snapshots");

    private Task<bool> ConfirmAsync(string title, string intro, string confirmText, Color color, Func<bool, IOperation> build,
        Func<OperationResult, string> success, string? option = null, bool reboot = false) =>
        ShowAsync<ConfirmOperationDialog>(title, new()
        {
            [nameof(ConfirmOperationDialog.Intro)] = intro,
            [nameof(ConfirmOperationDialog.ConfirmText)] = confirmText,
            [nameof(ConfirmOperationDialog.ConfirmColor)] = color,
            [nameof(ConfirmOperationDialog.Build)] = build,
            [nameof(ConfirmOperationDialog.Success)] = success,
            [nameof(ConfirmOperationDialog.OptionLabel)] = option,
            [nameof(ConfirmOperationDialog.Reboot)] = reboot,
        });

    private async Task<bool> ShowAsync<TDialog>(string title, DialogParameters parameters) where TDialog : OperationDialogBase
    {
        parameters.Add(nameof(OperationDialogBase.State), state);
        parameters.Add(nameof(OperationDialogBase.Actor), actor);
        var reference = await dialogs.ShowAsync<TDialog>(title, parameters, Options);
        var result = await reference.Result;
        return result is { Canceled: false };
    }
}
