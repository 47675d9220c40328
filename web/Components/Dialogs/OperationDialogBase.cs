using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Web.Components.Dialogs;

/// <summary>
/// What every operation dialog does: build the request from its fields, check it as you type with the
/// same <see cref="IOperation.Validate"/> (and role rule) the engine uses, show the dry run's plan when
/// asked ("Review plan", or Enter), run it through <see cref="AuditedOperations"/>, and end with a
/// snackbar. A dry run is audited like any other request, so typing never makes one: only a review
/// does (or opening a dialog without text fields, see <see cref="PlanOnOpen"/>). Subclasses supply
/// the fields, the request and the success sentence.
/// </summary>
public abstract partial class OperationDialogBase : ComponentBase, IOperationDialog, IDisposable
{
    [CascadingParameter] public IMudDialogInstance Dialog { get; set; } = default!;
    /// <summary>The host when the dialog opened; null: the watcher's latest state.</summary>
    [Parameter] public HostState? State { get; set; }
    [Parameter, EditorRequired] public Actor Actor { get; set; } = default!;

    [Inject] private AuditedOperations Operations { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private ILogger<OperationDialogBase> Logger { get; set; } = default!;
    [Inject] protected IServiceProvider Services { get; set; } = default!;

    private CancellationTokenSource? _planCts;
    private IOperation? _planned;
    private string? _planToken; // the reviewed dry run's: Confirm runs that plan or nothing
    private IDisposable? _live;
    private IHostStateStream? _stream;
    private HostState? _liveState;
    private string? _hostShape; // HostShape.Of(Host), kept so a push is compared once
    private bool _openPlanned;

    /// <summary>The host as it is now: the live state once the watcher pushed one, else the state the dialog opened with.</summary>
    protected HostState? Host => _liveState ?? State ?? _stream?.Current;

    public OperationError? Error { get; private set; }
    public IReadOnlyList<PlannedStep>? Steps { get; private set; }
    public bool Planning { get; private set; }
    public bool Running { get; private set; }
    /// <summary>The host changed after the plan was made; the plan was dropped and must be reviewed again.</summary>
    public bool HostChanged { get; private set; }
    /// <summary>Why the last confirmed run did not succeed; cleared by the next review.</summary>
    public string? Failure { get; private set; }
    public bool CanReview => Error is null && Steps is null && !Planning && !Running;
    public bool CanConfirm => Error is null && Steps is not null && !Planning && !Running && ReadyToConfirm;

    /// <summary>
    /// Plan as soon as the dialog opens and whenever a switch changes: for dialogs without text fields,
    /// where opening the dialog is the request to see what it would do.
    /// </summary>
    protected virtual bool PlanOnOpen => false;

    /// <summary>What else must be done before confirming (e.g. the name typed again); the plan is not enough.</summary>
    protected virtual bool ReadyToConfirm => true;

    /// <summary>The request as the fields say now.</summary>
    protected abstract IOperation BuildOperation();

    /// <summary>The snackbar line after success, e.g. "Activated x: it boots on the next reboot".</summary>
    protected abstract string Describe(OperationResult result);

    /// <summary>Runs after a successful operation, before the snackbar (e.g. the reboot after an activation); its
    /// message is added to the snackbar, which turns to a warning when it did not succeed.</summary>
    protected virtual Task<RebootResult?> AfterSuccessAsync(OperationResult result) => Task.FromResult<RebootResult?>(null);

    protected override void OnParametersSet()
    {
        // Live: a change made elsewhere (another browser, the API, zfs by hand) re-checks at once.
        // Here rather than in OnInitialized, which the dialogs override for their own fields.
        _stream ??= Services.GetService<IHostStateStream>();
        _live ??= _stream?.Subscribe(state => _ = InvokeAsync(() => OnHostChanged(state)));
        Revalidate();
        if (PlanOnOpen && !_openPlanned && RendererInfo.IsInteractive)
        {
            _openPlanned = true;
            _ = ReviewAsync();
        }
    }

    private void OnHostChanged(HostState state)
    {
        if (ReferenceEquals(state, Host) || Running) return;
        var first = _liveState is null && (State is null || ReferenceEquals(state, State));
        var shape = HostShape.Of(state);
        _hostShape ??= Host is { } before ? HostShape.Of(before) : null;
        var unchanged = shape == _hostShape;
        _liveState = state;
        _hostShape = shape;
        // Only space counters moved (they do at every txg sync on a busy host): the plan still holds.
        if (first || unchanged) return;
        // The plan was made against the old state: drop it rather than re-plan behind the user's back.
        HostChanged = Steps is not null || Planning;
        ForgetPlan();
        Revalidate();
        StateHasChanged();
    }

    /// <summary>Call after any field changed: validates now; a plan made for other fields is dropped.</summary>
    protected void Revalidate()
    {
        var operation = BuildOperation();
        // No state read yet: the role now, the rest when the engine plans (it validates again there).
        Error = Permissions.Check(Actor, operation) ?? (Host is { } host ? operation.Validate(host) : null);
        if (Error is not null || !Equals(operation, _planned)) ForgetPlan();
    }

    /// <summary>Call after a switch changed: validates, and plans again when the dialog plans by itself.</summary>
    protected Task OnSwitchedAsync()
    {
        Revalidate();
        return PlanOnOpen ? ReviewAsync() : Task.CompletedTask;
    }

    private void ForgetPlan()
    {
        _planCts?.Cancel();
        _planCts?.Dispose();
        _planCts = null;
        Planning = false;
        Steps = null;
        _planned = null;
        _planToken = null;
    }

    /// <summary>The dry run of the request as the fields say now: one audited dry run per review.</summary>
    public async Task ReviewAsync()
    {
        if (!CanReview) return;
        var operation = BuildOperation();
        var cts = _planCts = new CancellationTokenSource();
        _planned = operation;
        Planning = true;
        HostChanged = false;
        Failure = null;
        await InvokeAsync(StateHasChanged);
        try
        {
            var result = await Operations.RunAsync(Actor, operation, dryRun: true, cts.Token);
            if (cts.IsCancellationRequested) return;
            if (result.Succeeded) (Steps, _planToken) = (result.Steps, result.PlanToken);
            else Error = result.Error;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return; // the fields changed while planning
        }
        catch (Exception ex)
        {
            LogPlanningFailed(Logger, ex, operation.Action, operation.Target);
            Error = new OperationError(ErrorCode.OperationFailed, ex.Message);
        }
        Planning = false;
        await InvokeAsync(StateHasChanged);
    }

    public async Task ConfirmAsync()
    {
        if (!CanConfirm) return;
        var operation = BuildOperation();
        Running = true;
        // The engine does not stop half-way, so neither does the dialog: no Escape, no close button,
        // until the result (and a migration's report) is there.
        var options = Dialog.Options;
        await Dialog.SetOptionsAsync(options with { CloseOnEscapeKey = false, CloseButton = false });
        await InvokeAsync(StateHasChanged);
        OperationResult result;
        try
        {
            // The door nudges the watcher after a real run: this browser and every other see the result now.
            // With the review's token: the steps shown are the steps run (same names), or nothing runs.
            result = await Operations.RunAsync(Actor, operation, dryRun: false, reviewed: _planToken);
        }
        catch (Exception ex)
        {
            // Shown, not thrown: a throw here would end the whole circuit.
            LogRunningFailed(Logger, ex, operation.Action, operation.Target);
            result = new OperationResult
            {
                Action = operation.Action, Target = operation.Target, Outcome = Outcome.Failed,
                Error = new OperationError(ErrorCode.OperationFailed, ex.Message),
            };
        }
        if (result.Succeeded)
        {
            RebootResult? extra;
            try
            {
                extra = await AfterSuccessAsync(result);
            }
            catch (Exception ex)
            {
                // The operation itself succeeded: say so, and what went wrong after it, without ending the circuit.
                LogAfterFailed(Logger, ex, operation.Action, operation.Target);
                extra = new RebootResult(false, $"Then: {ex.Message}");
            }
            Snackbar.Add(Describe(result) + (extra is null ? "" : " " + extra.Message),
                extra is { Succeeded: false } ? Severity.Warning : Severity.Success);
            Running = false;
            Dialog.Close(DialogResult.Ok(result));
            return;
        }
        Running = false;
        await Dialog.SetOptionsAsync(options);
        // Said in the dialog and a snackbar. The plan is gone; what the fields ask is checked again, and
        // when it still holds (a busy host, a failed command undone) it may be reviewed and tried again.
        Failure = result.Error?.Message ?? $"{operation.Action} failed.";
        ForgetPlan();
        Revalidate();
        Snackbar.Add(Failure, Severity.Error);
        await InvokeAsync(StateHasChanged);
    }

    public void Cancel()
    {
        if (!Running) Dialog.Cancel();
    }

    /// <summary>Enter reviews the plan, and once it is shown, confirms; Escape is the dialog's own.</summary>
    protected Task OnKeyDownAsync(KeyboardEventArgs e) => e.Key != "Enter" ? Task.CompletedTask
        : CanConfirm ? ConfirmAsync()
        : ReviewAsync();

    public void Dispose()
    {
        _live?.Dispose();
        ForgetPlan();
        GC.SuppressFinalize(this);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Planning {Action} {Target} failed")]
    private static partial void LogPlanningFailed(ILogger logger, Exception ex, string action, string? target);

    [LoggerMessage(Level = LogLevel.Error, Message = "Running {Action} {Target} failed")]
    private static partial void LogRunningFailed(ILogger logger, Exception ex, string action, string? target);

    [LoggerMessage(Level = LogLevel.Error, Message = "After {Action} {Target}")]
    private static partial void LogAfterFailed(ILogger logger, Exception ex, string action, string? target);
}
