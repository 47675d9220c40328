using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;

namespace SnapUpgrade.Web.Components.Dialogs;

/// <summary>
/// What every operation dialog does: build the request from its fields, check it with the same
/// <see cref="IOperation.Validate"/> (and role rule) the engine uses, show the dry run's plan, run it
/// through <see cref="AuditedOperations"/>, and end with a snackbar. Subclasses only supply fields,
/// the request and the success sentence.
/// </summary>
public abstract class OperationDialogBase : ComponentBase, IDisposable
{
    /// <summary>Typing pauses this long before a dry run: every dry run writes an audit row.</summary>
    private static readonly TimeSpan s_planDelay = TimeSpan.FromMilliseconds(250);

    [CascadingParameter] public IMudDialogInstance Dialog { get; set; } = default!;
    [Parameter, EditorRequired] public HostState State { get; set; } = default!;
    [Parameter, EditorRequired] public Actor Actor { get; set; } = default!;

    [Inject] private AuditedOperations Operations { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private ILogger<OperationDialogBase> Logger { get; set; } = default!;
    [Inject] protected IServiceProvider Services { get; set; } = default!;

    private CancellationTokenSource? _planCts;
    private IOperation? _planned;
    private IDisposable? _live;
    private HostState? _liveState;

    /// <summary>The host as it is now: the live state once the watcher pushed one, else the state the dialog opened with.</summary>
    protected HostState Host => _liveState ?? State;

    protected OperationError? Error { get; private set; }
    protected IReadOnlyList<PlannedStep>? Steps { get; private set; }
    protected bool Planning { get; private set; }
    protected bool Running { get; private set; }
    protected bool CanConfirm => Error is null && Steps is not null && !Planning && !Running;

    /// <summary>The request as the fields say now.</summary>
    protected abstract IOperation BuildOperation();

    /// <summary>The snackbar line after success, e.g. "Activated x: it boots on the next reboot".</summary>
    protected abstract string Describe(OperationResult result);

    /// <summary>Runs after a successful operation, before the snackbar (e.g. the reboot command).</summary>
    protected virtual Task<string?> AfterSuccessAsync(OperationResult result) => Task.FromResult<string?>(null);

    protected override void OnParametersSet()
    {
        // Live: a change made elsewhere (another browser, the API, zfs by hand) re-checks and re-plans at once.
        // Here rather than in OnInitialized, which the dialogs override for their own fields.
        _live ??= Services.GetService<IHostStateStream>()?.Subscribe(state => _ = InvokeAsync(() => OnHostChanged(state)));
        Revalidate();
    }

    private void OnHostChanged(HostState state)
    {
        if (ReferenceEquals(state, Host) || Running) return;
        var first = _liveState is null && ReferenceEquals(state, State);
        _liveState = state;
        if (first) return;
        _planned = null;
        Revalidate();
        StateHasChanged();
    }

    /// <summary>Call after any field changed: validates now, plans after a pause.</summary>
    protected void Revalidate()
    {
        var operation = BuildOperation();
        Error = Permissions.Check(Actor, operation) ?? operation.Validate(Host);
        if (Error is not null)
        {
            CancelPlan();
            Steps = null;
            _planned = null;
            return;
        }
        if (Equals(operation, _planned) && (Steps is not null || Planning)) return;
        _planned = operation;
        _ = PlanAsync(operation);
    }

    private void CancelPlan()
    {
        _planCts?.Cancel();
        _planCts?.Dispose();
        _planCts = null;
        Planning = false;
    }

    private async Task PlanAsync(IOperation operation)
    {
        CancelPlan();
        var cts = _planCts = new CancellationTokenSource();
        Steps = null;
        Planning = true;
        try
        {
            await Task.Delay(s_planDelay, cts.Token);
            var result = await Operations.RunAsync(Actor, operation, dryRun: true, cts.Token);
            if (cts.IsCancellationRequested) return;
            if (result.Succeeded) Steps = result.Steps;
            else Error = result.Error;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return; // a newer request replaced this one
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Planning {Action} {Target} failed", operation.Action, operation.Target);
            Error = new OperationError(ErrorCode.OperationFailed, ex.Message);
        }
        Planning = false;
        await InvokeAsync(StateHasChanged);
    }

    protected async Task ConfirmAsync()
    {
        if (!CanConfirm) return;
        var operation = BuildOperation();
        Running = true;
        await InvokeAsync(StateHasChanged);
        OperationResult result;
        try
        {
            result = await Operations.RunAsync(Actor, operation, dryRun: false, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // Shown, not thrown: a throw here would end the whole circuit.
            Logger.LogError(ex, "Running {Action} {Target} failed", operation.Action, operation.Target);
            result = new OperationResult
            {
                Action = operation.Action, Target = operation.Target, Outcome = Outcome.Failed,
                Error = new OperationError(ErrorCode.OperationFailed, ex.Message),
            };
        }
        if (result.Succeeded)
        {
            var extra = await AfterSuccessAsync(result);
            Snackbar.Add(Describe(result) + (extra is null ? "" : " " + extra), Severity.Success);
            Running = false;
            Dialog.Close(DialogResult.Ok(result));
            return;
        }
        Running = false;
        Error = result.Error;
        Snackbar.Add(result.Error?.Message ?? $"{operation.Action} failed.", Severity.Error);
        await InvokeAsync(StateHasChanged);
    }

    protected void Cancel() => Dialog.Cancel();

    /// <summary>Enter confirms when the request is valid and planned; Escape is the dialog's own.</summary>
    protected Task OnKeyDownAsync(KeyboardEventArgs e) => e.Key == "Enter" ? ConfirmAsync() : Task.CompletedTask;

    public void Dispose()
    {
        _live?.Dispose();
        CancelPlan();
        GC.SuppressFinalize(this);
    }
}
