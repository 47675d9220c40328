using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Unit.Sqlite;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;

namespace SnapUpgrade.Tests.Unit.Core;

/// <summary>
/// RebootHost on a host that does not boot in process: the host's reboot command (a real argv
/// that touches a file) as the one, last step, through the engine and a real SQLite journal.
/// </summary>
public sealed class RebootHostTests : IDisposable
{
    private static readonly EngineOptions Options = new() { Pool = Pool, CanBootInProcess = false };
    private readonly TempDir _dir = new();
    private readonly SqliteOperationJournal _journal;

    public RebootHostTests() => _journal = new SqliteOperationJournal(SqliteDatabase.InDataDir(_dir.Path));

    public void Dispose() => _dir.Dispose();

    private string Marker => _dir.Combine("rebooted");

    private BeEngine Engine(SimulatedZfs host, IOperationJournal? journal = null, bool withCommand = true) =>
        new(host, host, host, journal ?? _journal, Options,
            reboot: withCommand ? new RebootCommand(["touch", Marker], new ProcessRunner()) : null);

    [Fact]
    public async Task RebootHost_NoCommand_IsRefusedAsNotSupportedAndTheEngineSaysItCannotReboot()
    {
        var engine = Engine(await BootedAsync(), withCommand: false);

        var result = await engine.RunAsync(new RebootHost(), ct: Ct);

        Assert.False(engine.CanReboot);
        Assert.Equal((Outcome.Refused, ErrorCode.NotSupported), (result.Outcome, result.Error?.Code));
        Assert.Equal(RebootHost.NoCommand, result.Error?.Message);
        Assert.StartsWith("No reboot command is configured (SnapUpgrade:RebootCommand): ", RebootHost.NoCommand, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RebootHost_DryRun_ShowsTheArgvAsTheOneStepAndRunsNothing()
    {
        var engine = Engine(await BootedAsync());

        var result = await engine.RunAsync(new RebootHost(), dryRun: true, Ct);

        Assert.True(engine.CanReboot);
        Assert.True(result.Succeeded, result.Error?.Message);
        var step = Assert.Single(result.Steps);
        Assert.Equal(["touch", Marker], step.Argv);
        Assert.Equal($"ask the host to reboot: `touch {Marker}`", step.Description);
        Assert.False(File.Exists(Marker));
        Assert.Empty(await _journal.RecentAsync(10, Ct));
    }

    [Fact]
    public async Task RebootHost_Run_RunsTheCommandOnceJournalledAsTheRebootAsked()
    {
        var engine = Engine(await BootedAsync());

        var result = await engine.RunAsync(new RebootHost("be1"), ct: Ct);

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.True(File.Exists(Marker));
        Assert.Equal(("be1", "be1"), (result.FromBe, result.ToBe));
        Assert.Contains(result.Report, l => l.Contains($"touch {Marker}", StringComparison.Ordinal));
        var entry = Assert.Single(await _journal.RecentAsync(10, Ct));
        Assert.Equal(("reboot", "be1", "succeeded"), (entry.Action, entry.Target, entry.Outcome));
        Assert.Equal(["touch", Marker], Assert.IsType<RebootAsked>(Assert.Single(entry.Undos)).Argv);
    }

    [Fact]
    public async Task RebootHost_CommandFails_FailsNamingExitCodeAndStderrAndIsJournalledFailed()
    {
        var host = await BootedAsync();
        var engine = new BeEngine(host, host, host, _journal, Options, reboot: new RebootCommand(["ls", "/nonexistent-snapupgrade"], new ProcessRunner()));

        var result = await engine.RunAsync(new RebootHost(), ct: Ct);

        Assert.Equal((Outcome.Failed, ErrorCode.OperationFailed), (result.Outcome, result.Error?.Code));
        Assert.Contains("(exit 2)", result.Error!.Message);
        Assert.Equal("failed", Assert.Single(await _journal.RecentAsync(10, Ct)).Outcome);
        Assert.Empty(await _journal.PendingAsync(Ct));
    }

    /// <summary>
    /// The reboot worked and stopped the console before it completed the journal row: the next
    /// start finds the row pending. It must close it without asking the host again (a reboot loop).
    /// </summary>
    [Fact]
    public async Task Reconcile_RebootPendingAfterTheConsoleDied_ClosesItAsInterruptedAndNeverRunsTheCommandAgain()
    {
        var host = await BootedAsync();
        var dying = new DiesBeforeCompleting(_journal);
        await Assert.ThrowsAsync<IOException>(() => Engine(host, dying).RunAsync(new RebootHost("be1"), ct: Ct));
        Assert.True(File.Exists(Marker));
        Assert.Single(await _journal.PendingAsync(Ct));
        File.Delete(Marker);

        var lines = await Engine(host).ReconcileAsync(Ct);

        Assert.False(File.Exists(Marker), "the restart asked the host to reboot again");
        Assert.Contains("not asked again", Assert.Single(lines));
        Assert.Empty(await _journal.PendingAsync(Ct));
        var entry = Assert.Single(await _journal.RecentAsync(10, Ct));
        Assert.Equal(("reboot", "interrupted"), (entry.Action, entry.Outcome));
        Assert.Contains("not asked again", entry.Message);
    }

    [Fact]
    public void Plan_StepAfterTheRebootAsked_IsRefused()
    {
        var plan = new Plan();
        plan.Add("ask the host to reboot", ["true"], _ => Task.CompletedTask, new RebootAsked(["true"]));

        Assert.Throws<InvalidOperationException>(() => plan.Add("later", ["true"], _ => Task.CompletedTask, new UndoNothing()));
    }

    /// <summary>The SQLite journal, until the operation ends: then the console "dies" (the host's reboot stopped it).</summary>
    private sealed class DiesBeforeCompleting(IOperationJournal inner) : IOperationJournal
    {
        public Task<long> BeginAsync(JournalEntry entry, CancellationToken ct = default) => inner.BeginAsync(entry, ct);
        public Task StepStartedAsync(long id, int index, CancellationToken ct = default) => inner.StepStartedAsync(id, index, ct);
        public Task WillUndoAsync(long id, int index, Undo undo, CancellationToken ct = default) => inner.WillUndoAsync(id, index, undo, ct);
        public Task CompleteAsync(long id, JournalCompletion completion, CancellationToken ct = default) =>
            throw new IOException("killed: the host is rebooting");
        public Task<IReadOnlyList<JournalEntry>> PendingAsync(CancellationToken ct = default) => inner.PendingAsync(ct);
        public Task<IReadOnlyList<JournalEntry>> UnauditedAsync(CancellationToken ct = default) => inner.UnauditedAsync(ct);
        public Task<IReadOnlyList<JournalEntry>> RecentAsync(int count, CancellationToken ct = default) => inner.RecentAsync(count, ct);
    }
}
