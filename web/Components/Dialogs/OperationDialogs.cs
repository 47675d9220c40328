using MudBlazor;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Web.Components.Dialogs;

/// <summary>The one way to open an operation dialog: typed parameters, the actor, the host it opened on.</summary>
public static class OperationDialogs
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

    /// <param name="state">The host as the page shows it; null: the watcher's latest state.</param>
    /// <returns>The result of a run that succeeded; null when the dialog was cancelled.</returns>
    public static async Task<OperationResult?> OpenAsync<TDialog>(this IDialogService dialogs, string title, Actor actor,
        DialogParameters<TDialog> parameters, HostState? state = null) where TDialog : OperationDialogBase
    {
        parameters.Add(d => d.Actor, actor);
        parameters.Add(d => d.State, state);
        var reference = await dialogs.ShowAsync<TDialog>(title, parameters, Options);
        return await reference.Result is { Canceled: false, Data: OperationResult result } ? result : null;
    }
}
