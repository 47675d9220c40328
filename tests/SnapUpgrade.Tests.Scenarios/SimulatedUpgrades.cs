using System.Text;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Staging;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Scenarios.Lab;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// Issue 14 on the embedded default (point 6): the simulated host's package command upgrades into a new BE
/// through the simulator's own overlays, its writes into /var/log and /var/spool staged in the BE and the
/// live shared data untouched; after the new BE boots they are applied without overwriting anything; a
/// cancelled or timed-out command leaves the BE unmounted and marked failed; a console stopped mid-run
/// finishes it as failed at its next start.
/// </summary>
public sealed class SimulatedUpgrades : Scenario<Simulated>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IHostFiles Files => Lab.Host.Files;

    private SimulatedZfs Sim => ((SimulatedLab)Lab.Host).Host;

    private IStagingMounts Staging => (IStagingMounts)Lab.Host.Mounts;

    private const string BaseLog = UpgradeRoots.BaseLog;

    [Fact]
    public async Task Upgrade_SimulatedApt_StagesItsSharedWritesInTheBe_ThenAfterItsBootTheyApplyWithoutOverwriting()
    {
        Migrated();
        var live = Dump("/var/shared");
        var lines = new List<string>();

        var result = await new UpgradeWorkflow(Lab.Engine, Apt(TimeSpan.FromMinutes(1)), 16)
            .RunAsync(new UpgradeRequest("be2"), new RunRequest(), lines.Add, Ct);

        Assert.True(result.Succeeded, $"{result.Outcome}: {string.Join("; ", result.Parts.Select(p => $"{p.Action} {p.Error}"))}\n{result.Command?.Output}");
        Assert.StartsWith("$ simulated-apt-get --root=/run/snapupgrade/be-be2.", lines[0], StringComparison.Ordinal);
        Assert.Contains("Setting up demo-tools (2.0) ...", lines);
        Assert.Equal(live, Dump("/var/shared"));
        Assert.Equal(UserProperties.UpgradeStaged, (await Lab.StateAsync()).Find("be2")!.Upgrade);
        Assert.Empty(await Staging.ListStagingAsync(Ct));

        Files.AppendAllBytes("/var/shared/log/dpkg.log", "2026-12-02 10:00:00 the running system, after the staging\n"u8.ToArray());
        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be2", (await Lab.StateAsync()).Booted?.Name);
        Assert.Contains("demo-base 2.0, upgraded into be2", Text("/etc/release"));
        var staged = Text($"{UpgradeStaging.StagedDirectory}/log/dpkg.log");
        Assert.StartsWith(BaseLog, staged, StringComparison.Ordinal);
        var (_, _, upgrades) = await new AuditedOperations(Lab.NewEngine(), new SqliteAuditLog(Lab.Database)).AtStartAsync(Ct);
        Assert.True(Assert.Single(upgrades).Succeeded);
        Assert.Equal(UserProperties.UpgradeApplied, (await Lab.StateAsync()).Find("be2")!.Upgrade);

        Assert.Equal(BaseLog + "2026-12-02 10:00:00 the running system, after the staging\n" + staged[BaseLog.Length..], Text("/var/shared/log/dpkg.log"));
        Assert.Contains("Upgrade: demo-base:all (1.0, 2.0)", Text("/var/shared/log/apt/history.log"));
        Assert.Equal("rebuild the demo index after the upgrade\n", Text("/var/shared/spool/demo-tools/queue"));
        Assert.Equal("From: lab\n\nlive mail\n", Text("/var/shared/mail/root"));

        // Cleared by the admin: the staged tree and the base snapshot go, the applied data stays.
        var applied = Dump("/var/shared");
        await Lab.MustAsync(new ClearUpgrade("be2"));
        Assert.Equal(FileKind.Missing, Files.GetKind("/var/.snapupgrade"));
        Assert.Null((await Lab.Host.Zfs.ListAsync(Lab.Host.Pool, Ct)).Find(UpgradeStaging.BaseSnapshot(new Layout(Lab.Host.Pool), "be2")));
        Assert.Null((await Lab.StateAsync()).Find("be2")!.Upgrade);
        Assert.Equal(applied, Dump("/var/shared"));
    }

    /// <summary>
    /// A command removes a directory of /var/spool the base holds and makes it again with other content: overlayfs
    /// marks it opaque in the upper layer, a mark the copy into the BE leaves out. The finish records it beside the
    /// staged trees (its dry run shows that step), and after the new BE boots the apply deletes the base entries it
    /// hid where they are unchanged live and records the deletion where they changed; nothing else is lost, and the
    /// finish's report and the apply say the same.
    /// </summary>
    [Fact]
    public async Task Upgrade_CommandRemakesASpoolDirectory_AfterItsBootTheEntriesItHidAreDeletedWhereUnchangedLive()
    {
        MigratedWithAQueue();
        var workflow = new UpgradeWorkflow(Lab.Engine, new RemakeQueue(Sim), 16);

        var result = await workflow.RunAsync(new UpgradeRequest("be2"), new RunRequest(), _ => { }, Ct);

        Assert.True(result.Succeeded, $"{result.Outcome}: {string.Join("; ", result.Parts.Select(p => $"{p.Action} {p.Error}"))}\n{result.Command?.Output}");
        var finish = result.Parts.Single(p => p.Action == "finish-upgrade");
        Assert.Contains(finish.Steps, s => s.Description.Contains("(/var/shared/spool/q)", StringComparison.Ordinal)
            && s.Argv[^1].EndsWith($"{UpgradeStaging.StagedDirectory}/{OpaqueRecord.FileName}", StringComparison.Ordinal));
        string[] staged = ["/var/shared/spool/q/fresh added", "/var/shared/spool/q/old1 deleted", "/var/shared/spool/q/old2 deleted"];
        Assert.Equal(staged, FinishUpgrade.StagedLines(finish.Report));
        Files.AppendAllBytes("/var/shared/spool/q/old2", "changed live\n"u8.ToArray());
        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new RebootHost());
        Assert.Null(Files.GetXattr($"{UpgradeStaging.StagedDirectory}/spool/q", "trusted.overlay.opaque"));
        Assert.Equal(["q"], OpaqueRecord.Read(Files, $"{UpgradeStaging.StagedDirectory}/{OpaqueRecord.FileName}")!.For("spool"));

        var (_, _, upgrades) = await new AuditedOperations(Lab.NewEngine(), new SqliteAuditLog(Lab.Database)).AtStartAsync(Ct);

        var applied = Assert.Single(upgrades);
        Assert.True(applied.Succeeded, applied.Error?.Message);
        Assert.Contains("q/old1: deletion done at /var/shared/spool/q/old1", applied.Report);
        Assert.Contains("q/old2: deletion recorded, not performed (changed live since the base)", applied.Report);
        Assert.Equal(["fresh", "old2"], Files.List("/var/shared/spool/q"));
        Assert.Equal("made again by the upgrade\n", Text("/var/shared/spool/q/fresh"));
        Assert.Equal("job 2\nchanged live\n", Text("/var/shared/spool/q/old2"));
        Assert.Equal("kept\n", Text("/var/shared/spool/other"));
        Assert.Equal("From: lab\n\nlive mail\n", Text("/var/shared/mail/root"));
        Assert.Equal(BaseLog, Text("/var/shared/log/dpkg.log"));
    }

    /// <summary>
    /// The record of opaque directories is a step of the finish's plan like the copies: a dry run names it, and a
    /// finish that fails after writing it takes it back with the copies (the BE keeps no staged tree of it).
    /// </summary>
    [Fact]
    public async Task Finish_FailingAfterItRecordedTheOpaqueDirectories_TakesTheRecordBackWithTheCopies()
    {
        MigratedWithAQueue();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new StageUpgrade("be2", StagingMiB: 16));
        var root = (await Lab.StateAsync()).Find("be2")!.MountedAt!;
        Assert.True((await new RemakeQueue(Sim).RunAsync(root, "be2", _ => { }, Ct)).Succeeded);

        var planned = await Lab.RunAsync(new FinishUpgrade("be2", Passed: true), dryRun: true);
        Lab.Faults.FailAt(0); // the first zfs command of the finish: the BE's unmount, after the record and the copies
        var failed = await Lab.RunAsync(new FinishUpgrade("be2", Passed: true));
        Lab.Faults.Disarm();

        Assert.Contains(planned.Steps, s => s.Description.StartsWith("record the directories the upgrade removed and made again (/var/shared/spool/q)", StringComparison.Ordinal));
        Assert.Equal(Outcome.Failed, failed.Outcome);
        Assert.Contains(failed.Steps, s => s.Argv[^1] == $"{root}{UpgradeStaging.StagedDirectory}/{OpaqueRecord.FileName}");
        Assert.Equal(FileKind.Missing, Files.GetKind($"{root}/var/.snapupgrade"));
        Assert.Equal("job 1\n", Text("/var/shared/spool/q/old1"));
    }

    /// <summary>
    /// The console stops (the journal's kill) at every point of the first start's apply; the next start
    /// (reconcile, then the start's own work) finishes it: every staged append reaches the live log once.
    /// </summary>
    [Fact]
    public async Task Apply_CutOffAtAnyPoint_TheNextStartFinishesIt_EachAppendOnce()
    {
        for (var point = 0; ; point++)
        {
            if (point > 0) await FreshLabAsync();
            Migrated();
            var upgraded = await new UpgradeWorkflow(Lab.Engine, Apt(TimeSpan.FromMinutes(1)), 16).RunAsync(new UpgradeRequest("be2"), new RunRequest(), _ => { }, Ct);
            Assert.True(upgraded.Succeeded);
            Files.AppendAllBytes("/var/shared/log/dpkg.log", "live line\n"u8.ToArray());
            await Lab.MustAsync(new ActivateBe("be2"));
            await Lab.MustAsync(new RebootHost());
            var staged = Text($"{UpgradeStaging.StagedDirectory}/log/dpkg.log");
            var expected = BaseLog + "live line\n" + staged[BaseLog.Length..];
            var audit = new SqliteAuditLog(Lab.Database);
            var engine = Lab.NewEngine();
            Lab.Crashes.CrashAt(point, afterWrite: point % 2 == 1);

            var start = new AuditedOperations(engine, audit).AtStartAsync(Ct);
            if (await Task.WhenAny(start, Lab.Crashes.Crashed.WaitAsync(TimeSpan.FromSeconds(60), Ct)) == start)
            {
                Lab.Crashes.Disarm();
                Assert.True(Assert.Single((await start).Upgrades).Succeeded);
                Assert.Equal(expected, Text("/var/shared/log/dpkg.log"));
                Assert.True(point >= 8, $"the apply should journal at least 8 points, it had {point}");
                return;
            }
            await Lab.NewEngine().ReconcileAsync(Ct);
            var (_, _, again) = await new AuditedOperations(Lab.Engine, audit).AtStartAsync(Ct);

            var where = $"killed at journal point {point}";
            Assert.True(again.Count == 0 || again.Single().Succeeded, $"{where}: {string.Join("; ", again.Select(a => a.Error))}");
            Assert.Equal(UserProperties.UpgradeApplied, (await Lab.StateAsync()).Find("be2")!.Upgrade);
            Assert.Equal(expected, Text("/var/shared/log/dpkg.log"));
            Assert.Equal("rebuild the demo index after the upgrade\n", Text("/var/shared/spool/demo-tools/queue"));
            Assert.Null((await Lab.Host.Zfs.ListAsync(Lab.Host.Pool, Ct)).Find(UpgradeStaging.BaseClone(new Layout(Lab.Host.Pool), "be2")));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Upgrade_CancelledOrPastItsLimit_BeMarkedFailedUnmounted_NothingReachesSharedData(bool timeLimit)
    {
        Migrated();
        var live = Dump("/var/shared");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var apt = new SimulatedUpgradeCommand(Sim, timeLimit ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(100));

        var result = await new UpgradeWorkflow(Lab.Engine, apt, 16).RunAsync(new UpgradeRequest("be2"), new RunRequest(),
            line => { if (!timeLimit && line.StartsWith("Unpacking demo-base", StringComparison.Ordinal)) cancel.Cancel(); }, cancel.Token);

        Assert.Equal(UpgradeOutcome.CommandFailed, result.Outcome);
        Assert.Equal(timeLimit ? CommandEnd.TimedOut : CommandEnd.Cancelled, result.Command!.End);
        Assert.Equal(live, Dump("/var/shared"));
        var be2 = (await Lab.StateAsync()).Find("be2")!;
        Assert.Equal((UserProperties.UpgradeFailed, false), (be2.Upgrade, be2.IsMounted));
        Assert.Empty(await Staging.ListStagingAsync(Ct));
        Assert.Empty(await Lab.Host.Mounts.ListAsync(Ct));
        Assert.Equal(ErrorCode.UpgradeNotFinished, (await Lab.RunAsync(new ActivateBe("be2"))).Error?.Code);
    }

    [Fact]
    public async Task Upgrade_ConsoleStoppedWhileItRan_NextStartTakesTheStagingOffAndMarksItFailed()
    {
        Migrated();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new StageUpgrade("be2", StagingMiB: 16));
        Assert.Equal(5, (await Staging.ListStagingAsync(Ct)).Count); // the tmpfs and four overlays
        var audit = new SqliteAuditLog(Lab.Database);

        var (_, _, stopped) = await new AuditedOperations(Lab.NewEngine(), audit).AtStartAsync(Ct);

        Assert.True(Assert.Single(stopped).Succeeded);
        var be2 = (await Lab.StateAsync()).Find("be2")!;
        Assert.Equal((UserProperties.UpgradeFailed, false), (be2.Upgrade, be2.IsMounted));
        Assert.Empty(await Staging.ListStagingAsync(Ct));
    }

    private SimulatedUpgradeCommand Apt(TimeSpan limit) => new(Sim, limit, TimeSpan.Zero);

    /// <summary>
    /// A plain command on the simulated host, as <c>rm -rf {root}/var/spool/q &amp;&amp; mkdir ... &amp;&amp; echo ... &gt; .../fresh</c>
    /// would run: the removal through the overlay (the port removes without following the BE's /var/spool link, so
    /// the path names the overlay itself), the rest as a process writes, through the link.
    /// </summary>
    private sealed class RemakeQueue(SimulatedZfs sim) : IUpgradeCommand
    {
        public IReadOnlyList<string> Argv { get; } = ["simulated-remake-queue", "{root}"];

        public IReadOnlyList<string> Describe(string root, string be) => UpgradeCommandPolicy.Fill(Argv, root, be);

        public Task<CommandRun> RunAsync(string root, string be, Action<string> output, CancellationToken ct = default)
        {
            sim.DeleteTree($"{root}/var/shared/spool/q");
            var process = sim.AsProcess();
            process.CreateDirectory($"{root}/var/spool/q");
            process.WriteAllBytes($"{root}/var/spool/q/fresh", "made again by the upgrade\n"u8.ToArray());
            output("remade /var/spool/q");
            return Task.FromResult(new CommandRun(CommandEnd.Exited, 0, "remade /var/spool/q\n", false, TimeSpan.Zero));
        }
    }

    /// <summary>be1 as a migrated BE: its shared directories are the links into /var/shared, which holds live data.</summary>
    private void Migrated()
    {
        foreach (var dir in Layout.SharedDirectories)
        {
            foreach (var name in Files.List($"/var/{dir}")) Files.Delete($"/var/{dir}/{name}");
            Files.Delete($"/var/{dir}");
            Files.CreateSymlink($"/var/{dir}", $"shared/{dir}");
            Files.CreateDirectory($"/var/shared/{dir}");
        }
        Files.WriteAllBytes("/var/shared/log/dpkg.log", Encoding.UTF8.GetBytes(BaseLog));
        Files.WriteAllBytes("/var/shared/mail/root", "From: lab\n\nlive mail\n"u8.ToArray());
    }

    /// <summary><see cref="Migrated"/>, with a spool queue (<c>q</c>: old1, old2) and a file beside it in the shared data.</summary>
    private void MigratedWithAQueue()
    {
        Migrated();
        Files.CreateDirectory("/var/shared/spool/q");
        Files.WriteAllBytes("/var/shared/spool/q/old1", "job 1\n"u8.ToArray());
        Files.WriteAllBytes("/var/shared/spool/q/old2", "job 2\n"u8.ToArray());
        Files.WriteAllBytes("/var/shared/spool/other", "kept\n"u8.ToArray());
    }

    private string Text(string path) => Encoding.UTF8.GetString(Files.ReadAllBytes(path));

    /// <summary>Every path below <paramref name="root"/> with its kind and content, through the port.</summary>
    private string Dump(string root)
    {
        var text = new StringBuilder();
        void Walk(string dir)
        {
            foreach (var name in Files.List(dir))
            {
                var path = $"{dir}/{name}";
                var kind = Files.GetKind(path);
                text.Append(path).Append(' ').Append(kind);
                if (kind == FileKind.File) text.Append(' ').Append(Convert.ToHexString(Files.ReadAllBytes(path)));
                text.Append('\n');
                if (kind == FileKind.Directory) Walk(path);
            }
        }
        Walk(root);
        return text.ToString();
    }
}
