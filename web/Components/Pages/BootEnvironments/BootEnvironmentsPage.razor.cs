using Microsoft.AspNetCore.Components;
using MudBlazor;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Web.Auth;
using SnapUpgrade.Web.Components.Common;
using SnapUpgrade.Web.Components.Dialogs;

namespace SnapUpgrade.Web.Components.Pages.BootEnvironments;

/// <summary>
/// beadm in a browser: the BE table, its actions and their dialogs. The state is the live one
/// <see cref="EngineView{T}"/> receives from the host watcher; this page keeps no copy of it.
/// </summary>
public partial class BootEnvironmentsPage
{
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;

    private Actor? _actor;

    /// <summary>Not signed in cannot happen behind the page's policy; if it did, nothing may be done.</summary>
    private Role Role => _actor?.Role ?? Role.Auditor;
    private bool CanReboot => Engine.CanReboot;

    protected override async Task OnInitializedAsync() => _actor = await CurrentActor.GetAsync();

    private Task OnActionAsync(HostState state, BeActionClick click) => click.Verb switch
    {
        BeActions.Activate => OpenAsync(state, d => d.ActivateAsync(click.Be.Name)),
        BeActions.ActivateOnce => OpenAsync(state, d => d.ActivateAsync(click.Be.Name, once: true)),
        BeActions.ActivateReboot => OpenAsync(state, d => d.ActivateAsync(click.Be.Name, reboot: true)),
        BeActions.GoBack => OpenAsync(state, d => d.GoBackAsync(click.Be)),
        BeActions.ClearUpgrade => OpenAsync(state, d => d.ClearUpgradeAsync(click.Be.Name)),
        BeActions.Rename => OpenAsync(state, d => d.RenameAsync(click.Be.Name)),
        BeActions.Destroy => OpenAsync(state, d => d.DestroyAsync(click.Be)),
        BeActions.Mount => OpenAsync(state, d => d.MountAsync(click.Be.Name)),
        BeActions.Unmount => OpenAsync(state, d => d.UnmountAsync(click.Be)),
        BeActions.Snapshots => OpenSnapshotsAsync(state, click.Be.Name),
        _ => Task.CompletedTask,
    };

    // A run nudges the watcher itself: the new state comes to the page through EngineView.
    private Task OpenAsync(HostState state, Func<BeDialogs, Task> open) =>
        _actor is null ? Task.CompletedTask : open(new BeDialogs(Dialogs, state, _actor));

    private async Task OpenSnapshotsAsync(HostState state, string name)
    {
        if (_actor is null) return;
        var parameters = new DialogParameters<SnapshotsDialog>
        {
            { d => d.Name, name }, { d => d.State, state }, { d => d.Actor, _actor },
        };
        await Dialogs.ShowAsync<SnapshotsDialog>($"Snapshots of {name}", parameters, OperationDialogs.Options);
    }
}
