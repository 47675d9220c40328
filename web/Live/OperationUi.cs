using MudBlazor;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Web.Components.Dialogs;
using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Web.Live;

/// <summary>Opens an <see cref="OperationDialog"/>; it reviews, runs and ends with a snackbar itself.</summary>
public static class OperationUi
{
    /// <returns>The result of a run that succeeded; null when the dialog was cancelled.</returns>
    public static async Task<OperationResult?> RunInDialogAsync(this IDialogService dialogs, string title,
        Actor actor, Func<string, IOperation> build, string intro = "", string? inputLabel = null, string? confirmName = null,
        string runText = "Run", Color runColor = Color.Primary)
    {
        var parameters = new DialogParameters<OperationDialog>
        {
            { d => d.Actor, actor }, { d => d.Build, build }, { d => d.Intro, intro }, { d => d.InputLabel, inputLabel },
            { d => d.ConfirmName, confirmName }, { d => d.RunText, runText }, { d => d.RunColor, runColor }, { d => d.What, title },
        };
        var dialog = await dialogs.ShowAsync<OperationDialog>(title, parameters, BeDialogs.Options);
        return await dialog.Result is { Canceled: false, Data: OperationResult result } ? result : null;
    }
}
