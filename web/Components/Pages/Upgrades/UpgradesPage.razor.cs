using Microsoft.AspNetCore.Components;
using MudBlazor;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Web.Auth;

namespace SnapUpgrade.Web.Components.Pages.Upgrades;

/// <summary>
/// Upgrades (issue 14): start one into a new BE, watch its output as it comes, read how it ended, then
/// activate or destroy the new BE. The run on screen is the one at <c>/upgrades/{id}</c> (the API's
/// Location): a start moves there, and a link from the list opens one. The page keeps no copy of a run
/// beyond its output's last lines: the view comes from the engine, the host from the watcher.
/// </summary>
public sealed partial class UpgradesPage : IDisposable
{
    /// <summary>At most this often a streaming run re-renders the page: a command may print hundreds of lines a second.</summary>
    private static readonly TimeSpan RenderEvery = TimeSpan.FromMilliseconds(100);

    [Parameter] public string? Id { get; set; }

    [Inject] private IUpgrades Upgrades { get; set; } = default!;
    [Inject] private CurrentActor CurrentActor { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [Inject] private ILogger<UpgradesPage> Logger { get; set; } = default!;

    private readonly CancellationTokenSource _cts = new();
    private CancellationTokenSource? _followCts;
    private Actor? _actor;
    private IReadOnlyList<UpgradeView> _runs = [];
    private string? _following;
    private UpgradeView? _view;
    private OutputLines _lines = new();
    private bool _missing;
    private string? _followError;
    private bool _renderQueued;
    private bool _cancelling;
    private string? _cancelRefusal;

    /// <summary>Why this user may not start upgrades here (their role, the host's <c>Upgrade:OperatorsMay</c>, no command): the engine's to say.</summary>
    private OperationError? _refusal;

    private bool MayStart => _actor is not null && _refusal is null;

    private string? CancelReason => MayStart ? null : _refusal?.Message ?? "Signed out.";

    protected override async Task OnInitializedAsync()
    {
        _actor = await CurrentActor.GetAsync();
        if (_actor is not null) _refusal = await RefusalAsync(_actor);
        await LoadRunsAsync();
    }

    protected override void OnParametersSet()
    {
        if (Id != _following) Follow(Id);
    }

    /// <summary>Shows the run <paramref name="id"/> (null: none): its view, then its output from the start, as it comes.</summary>
    private void Follow(string? id)
    {
        _followCts?.Cancel();
        _followCts?.Dispose();
        _followCts = null;
        (_following, _view, _lines, _missing, _followError, _cancelRefusal) = (id, null, new OutputLines(), false, null, null);
        if (id is null) return;
        var cts = _followCts = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token);
        // On the circuit's dispatcher: the lines and the view change only there, between renders.
        _ = InvokeAsync(() => FollowAsync(id, _lines, cts.Token));
    }

    private async Task FollowAsync(string id, OutputLines lines, CancellationToken ct)
    {
        try
        {
            _view = await Upgrades.GetAsync(id, ct);
            if (ct.IsCancellationRequested) return;
            _missing = _view is null;
            StateHasChanged();
            if (_view is null) return;
            await foreach (var e in Upgrades.FollowAsync(id, 0, ct))
            {
                if (ct.IsCancellationRequested) return; // another run is on screen now
                if (e.End is { } end)
                {
                    Show(end);
                    break;
                }
                if (e.Step is { } step)
                {
                    // What it does now (creating, staging, running the command, finishing): the stream says when it changes.
                    if (_view is { Running: true } running && running.Step != step) Show(running with { Step = step });
                }
                else
                {
                    lines.Add(e.Index, e.Line ?? "");
                }
                RenderSoon();
            }
            await LoadRunsAsync();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return; // another run is on screen, or the page is gone
        }
        catch (KeyNotFoundException)
        {
            _missing = true;
        }
        catch (Exception ex)
        {
            // Shown, not thrown: a throw here would end the whole circuit.
            LogFollowFailed(Logger, ex, id);
            _followError = $"The output of {id} could not be read: {ex.Message}";
        }
        if (!ct.IsCancellationRequested) StateHasChanged();
    }

    /// <summary>The run on screen as it stands now, in the list too (which is read again only when a run starts or ends).</summary>
    private void Show(UpgradeView view)
    {
        _view = view;
        _runs = [.. _runs.Select(r => r.Id == view.Id ? view : r)];
    }

    /// <summary>One render for all that arrives within <see cref="RenderEvery"/>.</summary>
    private void RenderSoon()
    {
        if (_renderQueued) return;
        _renderQueued = true;
        _ = RenderLaterAsync();
    }

    private async Task RenderLaterAsync()
    {
        try
        {
            await Task.Delay(RenderEvery, _cts.Token);
        }
        catch (OperationCanceledException)
        {
            return; // the page is gone
        }
        _renderQueued = false;
        await InvokeAsync(StateHasChanged);
    }

    /// <summary>The engine's answer to "may I start one?"; an engine out of reach is the answer too (the page's banner says more).</summary>
    private async Task<OperationError?> RefusalAsync(Actor actor)
    {
        try
        {
            return await Upgrades.RefusalAsync(actor, _cts.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogListFailed(Logger, ex);
            return new(ErrorCode.NotSupported, $"The engine could not say whether you may start an upgrade: {ex.Message}");
        }
    }

    private async Task LoadRunsAsync()
    {
        try
        {
            _runs = await Upgrades.ListAsync(_cts.Token);
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
            // the page is gone
        }
        catch (Exception ex)
        {
            LogListFailed(Logger, ex); // the list stays as it was; the engine view says when the engine is away
        }
    }

    /// <summary>A run started here: follow it now, and move to its address (the same page, so nothing starts twice).</summary>
    private async Task ShowStartedAsync(UpgradeView run)
    {
        Follow(run.Id);
        Navigation.NavigateTo($"upgrades/{Uri.EscapeDataString(run.Id)}");
        await LoadRunsAsync();
    }

    private async Task CancelAsync()
    {
        if (_actor is null || _view is not { Running: true } view) return;
        _cancelling = true;
        _cancelRefusal = null;
        try
        {
            var refusal = await Upgrades.CancelAsync(_actor, view.Id, _cts.Token);
            _cancelRefusal = refusal?.Message;
            if (refusal is null) Snackbar.Add($"Cancelling the upgrade into {view.Name}: its boot environment will be marked failed.", Severity.Info);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCancelFailed(Logger, ex, view.Id);
            _cancelRefusal = ex.Message;
        }
        finally
        {
            _cancelling = false;
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _followCts?.Dispose();
        _cts.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Following the upgrade {Id} failed")]
    private static partial void LogFollowFailed(ILogger logger, Exception ex, string id);

    [LoggerMessage(Level = LogLevel.Error, Message = "Listing the upgrades failed")]
    private static partial void LogListFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Error, Message = "Cancelling the upgrade {Id} failed")]
    private static partial void LogCancelFailed(ILogger logger, Exception ex, string id);
}
