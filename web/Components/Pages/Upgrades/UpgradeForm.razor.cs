using Microsoft.AspNetCore.Components;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Upgrade;

namespace SnapUpgrade.Web.Components.Pages.Upgrades;

/// <summary>
/// The upgrade order: source, new name (checked as you type, as the create dialog checks it), description,
/// "activate when it succeeds"; then the dry run's plan, and Upgrade once that plan is on screen for these fields.
/// </summary>
public sealed partial class UpgradeForm : IDisposable
{
    [Inject] private IUpgrades Upgrades { get; set; } = default!;
    [Inject] private ILogger<UpgradeForm> Logger { get; set; } = default!;

    /// <summary>The host as the page shows it now (the source list, the name check).</summary>
    [Parameter, EditorRequired] public HostState State { get; set; } = default!;
    [Parameter, EditorRequired] public Actor Actor { get; set; } = default!;
    /// <summary>A run started: its first view.</summary>
    [Parameter] public EventCallback<UpgradeView> OnStarted { get; set; }

    private readonly CancellationTokenSource _cts = new();
    private string? _source;
    private string _name = "";
    private string? _description;
    private bool _activate;
    private bool _busy;
    private string? _refusal;
    private IReadOnlyList<PlannedStep>? _plan;
    private UpgradeOrder? _planned;
    private string? _planToken;

    /// <summary>The chosen source; until one is chosen, the booted BE.</summary>
    private string? Source => _source ?? State.Booted?.Name;

    private UpgradeOrder Order => new(_name.Trim(), Source, string.IsNullOrWhiteSpace(_description) ? null : _description, _activate);

    /// <summary>The create's own check: the upgrade's first part is that create.</summary>
    private string? Invalid => new CreateBe(Order.Name, Order.Source, Order.Description).Validate(State)?.Message;

    /// <summary>The plan on screen, as long as it is the plan of the fields as they are now.</summary>
    private IReadOnlyList<PlannedStep>? Plan => Equals(_planned, Order) ? _plan : null;

    private string? StartReason => Invalid ?? (Plan is null ? "Review the plan first: it lists every step and command before anything runs." : null);

    private async Task ReviewAsync()
    {
        var order = Order;
        var start = await SendAsync(order with { DryRun = true });
        if (start is { Refused: null }) (_plan, _planned, _planToken) = (start.Plan, order, start.PlanToken);
    }

    /// <summary>The order with the plan on screen's token: what runs is what was reviewed, or it is refused (the host moved).</summary>
    private async Task StartAsync()
    {
        if (StartReason is not null) return;
        var start = await SendAsync(Order with { PlanToken = _planToken });
        if (start?.Run is not { } run) return;
        (_name, _description, _plan, _planned, _planToken) = ("", null, null, null, null);
        await OnStarted.InvokeAsync(run);
    }

    /// <summary>A start or dry run; a refusal (or a failure to reach the engine) is shown under the fields.</summary>
    private async Task<UpgradeStart?> SendAsync(UpgradeOrder order)
    {
        _busy = true;
        _refusal = null;
        try
        {
            var start = await Upgrades.StartAsync(Actor, order, _cts.Token);
            _refusal = start.Refused?.Message;
            return start;
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
            return null; // the page is gone
        }
        catch (Exception ex)
        {
            // Shown, not thrown: a throw here would end the whole circuit.
            LogStartFailed(Logger, ex, order.Name, order.DryRun);
            _refusal = ex.Message;
            return null;
        }
        finally
        {
            _busy = false;
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _cts.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Starting the upgrade into {Name} (dry run: {DryRun}) failed")]
    private static partial void LogStartFailed(ILogger logger, Exception ex, string name, bool dryRun);
}
