using MudBlazor;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Web.Components.Common;

namespace SnapUpgrade.Web.Live;

/// <summary>Opens <see cref="LiveOperationDialog"/> and ends with a snackbar saying what happened.</summary>
public static class OperationUi
{
    public static async Task<OperationResult?> RunInDialogAsync(this IDialogService dialogs, ISnackbar snackbar, string title,
        Actor actor, Func<string, IOperation> build, string intro = "", string? inputLabel = null, string? confirmName = null,
        string runText = "Run", Color runColor = Color.Primary)
    {
        var parameters = new DialogParameters<LiveOperationDialog>
        {
            { d => d.Actor, actor }, { d => d.Build, build }, { d => d.Intro, intro }, { d => d.InputLabel, inputLabel },
            { d => d.ConfirmName, confirmName }, { d => d.RunText, runText }, { d => d.RunColor, runColor },
        };
        var options = new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true };
        var dialog = await dialogs.ShowAsync<LiveOperationDialog>(title, parameters, options);
        if (await dialog.Result is not { Canceled: false, Data: OperationResult result }) return null;
        snackbar.Add(ConsoleActor.Sentence(result, title), result.Succeeded ? Severity.Success : Severity.Error);
        return result;
    }
}
