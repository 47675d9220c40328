using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;
using Xunit;
using UndoData = SnapUpgrade.Core.Engine.Undo;

namespace SnapUpgrade.Tests.Unit.Core;

public sealed class PlanExecutorTests
{
    private readonly List<string> _log = [];
    private readonly LoggingZfs _zfs;
    private readonly PlanExecutor _executor;

    public PlanExecutorTests()
    {
        _zfs = new LoggingZfs(_log);
        _executor = NewExecutor(patientSteps: false);
    }

    private static readonly EngineOptions Options = new() { Pool = "p", BusyRetryDelay = TimeSpan.Zero };

    private PlanExecutor NewExecutor(bool patientSteps) => new(Options, new UndoRunner(new OperationContext
    {
        Zfs = _zfs, Mounts = null!, Files = null!, Layout = new Layout("p"), Options = Options, Clock = TimeProvider.System,
    }), NullLogger.Instance, patientSteps);

    private static ZfsSet UndoSet(string name) => new("p/x", "undo", name);

    private void Reversible(Plan plan, string name, Func<bool>? fail = null) =>
        plan.Add(name, [name], _ => Do(name, fail), UndoData.Zfs(UndoSet(name)));

    private void Irreversible(Plan plan, string name, Func<bool>? fail = null) =>
        plan.Add(name, [name], _ => Do(name, fail), new RollForward(new ZfsDestroy($"p/{name}")));

    private Task Do(string what, Func<bool>? fail = null)
    {
        if (fail?.Invoke() == true) throw new ZfsCommandException(["zfs", what], 1, "boom");
        _log.Add(what);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Execute_FailureBeforeNoReturn_UndoesInReverseAndRethrows()
    {
        var plan = new Plan();
        Reversible(plan, "a");
        Reversible(plan, "b");
        Reversible(plan, "c", () => true);

        await Assert.ThrowsAsync<ZfsCommandException>(() => _executor.ExecuteAsync(plan, ct: TestContext.Current.CancellationToken));

        // c failed, so it did not do what its own undo takes back: b and a are undone.
        Assert.Equal(["a", "b", "undo b", "undo a"], _log);
    }

    [Fact]
    public async Task Execute_UndosRecordedWhileRunning_AreJournalledFirstAndUndoneInReverse()
    {
        var journal = new RecordingLog();
        var plan = new Plan();
        plan.Add("moves", ["mv"], async run =>
        {
            await run.WillAsync(UndoData.Zfs(UndoSet("move 1")));
            _log.Add("move 1");
            await run.WillAsync(UndoData.Zfs(UndoSet("move 2")));
            throw new IOException("disk full");
        }, UndoData.Zfs(UndoSet("moves")));

        await Assert.ThrowsAsync<IOException>(() => _executor.ExecuteAsync(plan, journal, TestContext.Current.CancellationToken));

        Assert.Equal(["started 0", "will 0 undo move 1", "will 0 undo move 2"], journal.Lines);
        Assert.Equal(["move 1", "undo move 2", "undo move 1"], _log);
    }

    [Fact]
    public async Task Undo_StepCutOffByACrash_ToleratesItsUndoFailingButNotAnEarlierOne()
    {
        _zfs.FailOn = "b";
        IReadOnlyList<StartedStep> started =
        [
            new(UndoData.Zfs(UndoSet("a")), []),
            new(UndoData.Zfs(UndoSet("b")), []),
        ];

        await _executor.UndoAsync(started, cause: null, ownUndoOfLast: true); // b never happened: its undo fails, is logged
        Assert.Equal(["undo a"], _log);

        _zfs.FailOn = "a";
        await Assert.ThrowsAsync<InvalidOperationException>(() => _executor.UndoAsync(started, cause: null, ownUndoOfLast: true));
    }

    [Fact]
    public async Task Execute_FailureAfterNoReturn_RetriesForwardInsteadOfUndoing()
    {
        var failures = 1;
        var plan = new Plan();
        Reversible(plan, "promote");
        Irreversible(plan, "destroy");
        Irreversible(plan, "destroy origin", () => failures-- > 0);

        await _executor.ExecuteAsync(plan, ct: TestContext.Current.CancellationToken);

        Assert.Equal(["promote", "destroy", "destroy origin"], _log);
    }

    [Fact]
    public async Task Execute_StepThatKeepsFailingAfterNoReturn_RunsTheLaterStepsAndNamesIt()
    {
        var plan = new Plan();
        Irreversible(plan, "destroy zone BE");
        Irreversible(plan, "destroy busy zone BE", () => true);
        Irreversible(plan, "destroy BE");
        Irreversible(plan, "destroy origin");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _executor.ExecuteAsync(plan, ct: TestContext.Current.CancellationToken));

        Assert.Equal(["destroy zone BE", "destroy BE", "destroy origin"], _log);
        Assert.Contains("'destroy busy zone BE' failed after the point of no return", error.Message);
        Assert.EndsWith("The other steps were done.", error.Message);
    }

    [Fact]
    public void Plan_StepThatCannotBeFinishedAfterTheNoReturn_IsRefused()
    {
        var plan = new Plan();
        Irreversible(plan, "destroy");

        Assert.Throws<InvalidOperationException>(() => Reversible(plan, "promote"));
    }

    [Fact]
    public void AddZfs_AfterTheNoReturn_IsJournalledAsTheCommandToFinish()
    {
        var context = new OperationContext
        {
            Zfs = _zfs, Mounts = null!, Files = null!, Layout = new Layout("p"), Options = new EngineOptions { Pool = "p" }, Clock = TimeProvider.System,
        };
        var plan = new Plan();
        context.AddZfs(plan, "mark", new ZfsSet("p/a", "x", "1"), new ZfsSet("p/a", "x", "0"));
        context.AddIrreversibleZfs(plan, "destroy", new ZfsDestroy("p/b"));
        context.AddZfs(plan, "mount", new ZfsMount("p/c"), new ZfsUnmount("p/c"));

        Assert.IsType<UndoZfs>(plan.Steps[0].Undo);
        Assert.Equal<UndoData?>([new RollForward(new ZfsDestroy("p/b")), new RollForward(new ZfsMount("p/c"))], plan.Steps.Skip(1).Select(s => s.Undo).ToList());
    }

    [Fact]
    public async Task Execute_BusyDataset_IsRetriedBriefly()
    {
        var busy = 2;
        var plan = new Plan();
        plan.Add("unmount", ["zfs"], _ => busy-- > 0
            ? throw new ZfsCommandException(["zfs", "destroy"], 1, "cannot destroy: dataset is busy")
            : Do("destroyed"), new UndoNothing());

        await _executor.ExecuteAsync(plan, ct: TestContext.Current.CancellationToken);

        Assert.Equal(["destroyed"], _log);
    }

    [Theory]
    [InlineData(false)] // OpenZFS: a step gives up after BusyRetries, undoes and fails
    [InlineData(true)] // zfs-fuse lets an unmounted dataset go later: a step waits as long as an undo
    public async Task Execute_MountBusyLongerThanAStepWaits_WaitedOutOnlyWhereTheBackendReleasesAfterUnmount(bool releasesAfterUnmount)
    {
        var executor = NewExecutor(patientSteps: releasesAfterUnmount);
        var busy = Options.BusyRetries + 2;
        var plan = new Plan();
        plan.Add("mount", ["zfs", "mount", "p/b"], _ => busy-- > 0
            ? throw new ZfsCommandException(["zfs", "mount", "p/b"], 1, "cannot mount 'p/b': mountpoint or dataset is busy")
            : Do("mounted"), new UndoNothing());

        var run = executor.ExecuteAsync(plan, ct: TestContext.Current.CancellationToken);

        if (releasesAfterUnmount)
        {
            await run;
            Assert.Equal(["mounted"], _log);
        }
        else
        {
            Assert.Contains("busy", (await Assert.ThrowsAsync<ZfsCommandException>(() => run)).StandardError);
            Assert.Empty(_log);
        }
    }

    [Fact]
    public async Task Undo_DatasetBusyLongerThanAStepWaits_IsTriedUntilItIsFree()
    {
        _zfs.BusyFor = new EngineOptions { Pool = "p" }.BusyRetries + 2; // a step would have given up
        IReadOnlyList<StartedStep> started = [new(UndoData.Zfs(UndoSet("a")), []), new(UndoData.Zfs(UndoSet("b")), [])];

        await _executor.UndoAsync(started, cause: null, ownUndoOfLast: true);

        Assert.Equal(["undo b", "undo a"], _log);
    }

    [Fact]
    public async Task Finish_DatasetBusyAfterTheCrash_IsTriedUntilItIsFree()
    {
        _zfs.BusyFor = new EngineOptions { Pool = "p" }.BusyRetries + 2; // the crash's killed zfs still holds it
        IReadOnlyList<UndoData?> steps = [new RollForward(UndoSet("finish"))];

        var done = await _executor.FinishAsync(steps, from: 0);

        Assert.Equal(["undo finish"], _log);
        Assert.Single(done);
    }

    /// <summary>Runs only the undo commands of these tests: each logs its value, or fails when told to.</summary>
    private sealed class LoggingZfs(List<string> log) : IZfs
    {
        public string? FailOn { get; set; }
        /// <summary>How many commands still fail "busy" before they work.</summary>
        public int BusyFor { get; set; }
        public ZfsCapabilities Capabilities { get; } = new("logging", MultiSnapshot: true);
        // Empty: what FinishAsync looks at before it runs a command again.
        public Task<PoolListing> ListAsync(string pool, CancellationToken ct = default) =>
            Task.FromResult(new PoolListing(new PoolInfo(pool, "ONLINE", null, null, "1", 1, 1, 0), []));

        public Task<PoolListing> ReadAsync(string pool, ReadScope scope, CancellationToken ct = default) => ListAsync(pool, ct);

        public Task ExecuteAsync(ZfsCommand command, CancellationToken ct = default)
        {
            var set = (ZfsSet)command;
            if (BusyFor-- > 0) throw new ZfsCommandException(command.Argv, 1, "cannot mount 'p/x': mountpoint or dataset is busy");
            if (set.Value == FailOn) throw new ZfsCommandException(command.Argv, 1, "no such thing");
            log.Add($"undo {set.Value}");
            return Task.CompletedTask;
        }
    }

    private sealed class RecordingLog : IStepLog
    {
        public List<string> Lines { get; } = [];

        public Task StartedAsync(int index)
        {
            Lines.Add($"started {index}");
            return Task.CompletedTask;
        }

        public Task WillAsync(int index, UndoData undo)
        {
            Lines.Add($"will {index} undo {((ZfsSet)((UndoZfs)undo).Commands[0]).Value}");
            return Task.CompletedTask;
        }
    }
}
