using System.Runtime.Versioning;
using SnapUpgrade.Core.Access;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Staging;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Scenarios.Lab;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// Issue 14 through the engine (ADR 0026): upgrade into a new BE with the real dpkg, its shared-directory
/// writes staged in the BE and the live shared data untouched; a package command that fails, hangs past
/// its limit or is cancelled leaves the BE unmounted, marked failed, never activated, and nothing of it in
/// the shared data. zfs-fuse (and OpenZFS in the guest) only: the simulator has no overlays yet.
/// </summary>
[SupportedOSPlatform("linux")]
public abstract class Upgrades<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Local(string hostPath) => Lab.Host.HostRoot + hostPath;

    [Fact]
    // Not in the OpenZFS guest: the run's own logic; the real dpkg staged, booted and applied runs there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Upgrade_RealDpkg_StagesItsSharedWritesInTheNewBe_LiveSharedDataUntouched()
    {
        var deb = await PrepareAsync("echo \"hello-su configured\" >> /var/log/hello-su.log\nmkdir -p /var/spool/hello-su\necho 'job 1' > /var/spool/hello-su/queue");
        var live = UpgradeRoots.Tree(Local("/var/shared"));
        var lines = new List<string>();

        var result = await Workflow(Dpkg(deb)).RunAsync(new UpgradeRequest("be2"), new RunRequest(), line => { lock (lines) lines.Add(line); }, Ct);

        Assert.True(result.Succeeded, Describe(result));
        Assert.Equal(["create", "stage", "finish-upgrade"], result.Parts.Select(p => p.Action));
        Assert.Contains("Setting up hello-su (1.0) ...", lines);
        Assert.Equal(live, UpgradeRoots.Tree(Local("/var/shared")));
        var state = await Lab.StateAsync();
        var be2 = state.Find("be2")!;
        Assert.Equal((UserProperties.UpgradeStaged, false), (be2.Upgrade, be2.IsMounted));
        Assert.Empty(await Staging.ListStagingAsync(Ct));
        Assert.Null((await Lab.Host.Zfs.ListAsync(Lab.Host.Pool, Ct)).Find(UpgradeStaging.BaseClone(new Layout(Lab.Host.Pool), "be2")));
        Assert.NotNull((await Lab.Host.Zfs.ListAsync(Lab.Host.Pool, Ct)).Find(UpgradeStaging.BaseSnapshot(new Layout(Lab.Host.Pool), "be2")));

        var inside = await InsideAsync("be2", root => new Dictionary<string, string>
        {
            ["README"] = File.ReadAllText(root + "/usr/share/hello-su/README"),
            ["log"] = File.ReadAllText(root + UpgradeStaging.StagedDirectory + "/log/hello-su.log"),
            ["queue"] = File.ReadAllText(root + UpgradeStaging.StagedDirectory + "/spool/hello-su/queue"),
            ["dpkg.log"] = File.ReadAllText(root + UpgradeStaging.StagedDirectory + "/log/dpkg.log"),
        });
        Assert.Equal("hello\n", inside["README"]);
        Assert.Equal("hello-su configured\n", inside["log"]);
        Assert.Equal("job 1\n", inside["queue"]);
        Assert.StartsWith(BaseLog, inside["dpkg.log"], StringComparison.Ordinal);
        Assert.Contains("status installed hello-su:all 1.0", inside["dpkg.log"]);
        await Lab.MustAsync(new ActivateBe("be2"));
    }

    /// <summary>
    /// The issue's whole story with the real dpkg: staged, then the running system appends to the log dpkg
    /// also wrote, then the new BE boots and the console's first start applies its staged writes (ADR 0025,
    /// audited as the system): dpkg's lines are appended after the live ones, its new files are added,
    /// nothing in the shared data is overwritten or lost.
    /// </summary>
    [Fact]
    public async Task Upgrade_RealDpkg_AfterTheNewBeBoots_ItsStagedWritesApplyWithoutOverwritingLiveOnes()
    {
        var deb = await PrepareAsync("echo \"hello-su configured\" >> /var/log/hello-su.log\nmkdir -p /var/spool/hello-su\necho 'job 1' > /var/spool/hello-su/queue");
        var result = await Workflow(Dpkg(deb)).RunAsync(new UpgradeRequest("be2"), new RunRequest(), _ => { }, Ct);
        Assert.True(result.Succeeded, Describe(result));
        await File.AppendAllTextAsync(Local("/var/shared/log/dpkg.log"), "2026-12-02 10:00:00 the running system, after the staging\n", Ct);
        var mail = await File.ReadAllTextAsync(Local("/var/shared/mail/root"), Ct);

        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be2", (await Lab.StateAsync()).Booted?.Name);
        var staged = await File.ReadAllTextAsync(Local($"{UpgradeStaging.StagedDirectory}/log/dpkg.log"), Ct);
        Assert.StartsWith(BaseLog, staged, StringComparison.Ordinal);
        var audit = new SqliteAuditLog(Lab.Database);

        var (_, _, upgrades) = await new AuditedOperations(Lab.NewEngine(), audit).AtStartAsync(Ct);

        var applied = Assert.Single(upgrades);
        Assert.True(applied.Succeeded, $"[{Lab.Host.Name}] {applied.Action}: {applied.Error}");
        var lines = applied.Report;
        var row = Assert.Single((await audit.QueryAsync(new AuditQuery(Action: "apply-staged"), Ct)).Entries);
        Assert.Equal(("system", "be2", "succeeded"), (row.Actor, row.Target, row.Outcome));
        var layout = new Layout(Lab.Host.Pool);
        Assert.Equal(UserProperties.UpgradeApplied, (await Lab.StateAsync()).Find("be2")!.Upgrade);
        var pool = await Lab.Host.Zfs.ListAsync(Lab.Host.Pool, Ct);
        Assert.Null(pool.Find(UpgradeStaging.BaseClone(layout, "be2")));
        Assert.NotNull(pool.Find(UpgradeStaging.BaseSnapshot(layout, "be2")));
        Assert.Empty((await new AuditedOperations(Lab.NewEngine(), audit).AtStartAsync(Ct)).Upgrades);
        // the live lines first, then what dpkg appended in the staged copy, once
        var dpkgWrote = staged[BaseLog.Length..];
        Assert.Contains("status installed hello-su:all 1.0", dpkgWrote);
        Assert.Equal(BaseLog + "2026-12-02 10:00:00 the running system, after the staging\n" + dpkgWrote,
            await File.ReadAllTextAsync(Local("/var/shared/log/dpkg.log"), Ct));
        Assert.Equal("hello-su configured\n", await File.ReadAllTextAsync(Local("/var/shared/log/hello-su.log"), Ct));
        Assert.Equal("job 1\n", await File.ReadAllTextAsync(Local("/var/shared/spool/hello-su/queue"), Ct));
        Assert.Equal(mail, await File.ReadAllTextAsync(Local("/var/shared/mail/root"), Ct));
        Assert.DoesNotContain(Directory.EnumerateFiles(Local("/var/shared"), "*.be2", SearchOption.AllDirectories), _ => true);
        Assert.Contains(lines, l => l.Contains("dpkg.log", StringComparison.Ordinal) && l.Contains("append", StringComparison.OrdinalIgnoreCase));

        // The admin clears it: the staged tree and the base snapshot go, the mark too; the applied data stays.
        var live = UpgradeRoots.Tree(Local("/var/shared"));
        await Lab.MustAsync(new ClearUpgrade("be2"));
        Assert.False(Directory.Exists(Local("/var/.snapupgrade")));
        Assert.Null((await Lab.Host.Zfs.ListAsync(Lab.Host.Pool, Ct)).Find(UpgradeStaging.BaseSnapshot(layout, "be2")));
        Assert.Null((await Lab.StateAsync()).Find("be2")!.Upgrade);
        Assert.Equal(live, UpgradeRoots.Tree(Local("/var/shared")));
        Assert.Equal(ErrorCode.NotSupported, (await Lab.RunAsync(new ClearUpgrade("be2"))).Error?.Code);
    }

    /// <summary>
    /// A Debian host's own command, <c>chroot {root} apt-get -y dist-upgrade</c>, with the real apt-get and a mirror
    /// served over HTTP: the running BE has hello-su 1.0 and apt's lists of the mirror (as Debian's daily
    /// <c>apt-get update</c> keeps them), the mirror offers 1.1. The upgrade downloads 1.1 into the new BE's own
    /// apt cache and installs it in the chroot; apt's and dpkg's logs and the package's own log are staged in the
    /// new BE, the running system's shared data and packages stay as they were, and once the new BE boots its
    /// writes are appended to the live logs.
    /// </summary>
    [Fact]
    // Not in the OpenZFS guest: apt-get's own part; the staging it writes through runs there with the real dpkg.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Upgrade_RealAptGetInChroot_DownloadsTheNewVersionFromAMirror_ItsLogsStagedThenAppliedAfterTheBoot()
    {
        var old = await PrepareAsync("echo \"hello-su 1.0 configured\" >> /var/log/hello-su.log");
        var scratch = Path.GetDirectoryName(old)!;
        var mirror = Directory.CreateDirectory(Path.Combine(scratch, "mirror")).FullName;
        var next = await UpgradeRoots.BuildPackageAsync(mirror, "echo \"hello-su 1.1 configured\" >> /var/log/hello-su.log", Ct, "1.1");
        await using var repository = await AptRepository.ServeAsync([next], Ct);
        await UpgradeRoots.LayOutAptAsync(Local(""), repository.SourcesLine, Ct);
        // The running system: 1.0 installed, the mirror's lists read with apt's configuration of that root (none of this machine's).
        var runner = new ProcessRunner(TimeSpan.FromMinutes(2));
        Assert.True((await runner.RunAsync(["dpkg", $"--root={Local("")}", $"--log={Local("/var/log/dpkg.log")}", "-i", old], ct: Ct)).Succeeded);
        var aptConfig = Path.Combine(scratch, "apt.conf");
        await File.WriteAllTextAsync(aptConfig, $"Dir \"{Local("")}/\";\nDir::State::status \"{Local("/var/lib/dpkg/status")}\";\n", Ct);
        var update = await runner.RunAsync(["env", $"APT_CONFIG={aptConfig}", "apt-get", "update"], ct: Ct);
        Assert.True(update.Succeeded, update.StandardOutput + update.StandardError);
        Assert.DoesNotContain($"/{Path.GetFileName(next)}", repository.Requested);
        var live = UpgradeRoots.Tree(Local("/var/shared"));
        var lines = new List<string>();
        var aptGet = new UpgradeCommand(["chroot", "{root}", "apt-get", "-y", "dist-upgrade"], Lab.Host.HostRoot, TimeSpan.FromMinutes(5));

        var result = await Workflow(aptGet).RunAsync(new UpgradeRequest("be2"), new RunRequest(), line => { lock (lines) lines.Add(line); }, Ct);

        Assert.True(result.Succeeded, Describe(result));
        Assert.Contains(lines, l => l.StartsWith("Get:1 " + repository.Url.TrimEnd('/'), StringComparison.Ordinal) && l.Contains("hello-su 1.1", StringComparison.Ordinal));
        Assert.Contains("Setting up hello-su (1.1) ...", lines);
        Assert.Single(repository.Requested, $"/{Path.GetFileName(next)}");
        Assert.Equal(live, UpgradeRoots.Tree(Local("/var/shared")));
        Assert.Contains("Version: 1.0", await File.ReadAllTextAsync(Local("/var/lib/dpkg/status"), Ct));
        Assert.False(File.Exists(Local($"/var/cache/apt/archives/{Path.GetFileName(next)}")));
        var inside = await InsideAsync("be2", root => new Dictionary<string, string>
        {
            ["status"] = File.ReadAllText(root + "/var/lib/dpkg/status"),
            ["downloaded"] = Convert.ToHexString(File.ReadAllBytes(root + $"/var/cache/apt/archives/{Path.GetFileName(next)}")),
            ["history"] = File.ReadAllText(root + UpgradeStaging.StagedDirectory + "/log/apt/history.log"),
            ["log"] = File.ReadAllText(root + UpgradeStaging.StagedDirectory + "/log/hello-su.log"),
        });
        Assert.Contains("Version: 1.1", inside["status"]);
        Assert.Equal(Convert.ToHexString(await File.ReadAllBytesAsync(next, Ct)), inside["downloaded"]);
        Assert.Contains("Commandline: apt-get -y dist-upgrade\nUpgrade: hello-su:", inside["history"]);
        Assert.Equal("hello-su 1.0 configured\nhello-su 1.1 configured\n", inside["log"]);

        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new RebootHost());
        var applied = Assert.Single((await new AuditedOperations(Lab.NewEngine(), new SqliteAuditLog(Lab.Database)).AtStartAsync(Ct)).Upgrades);

        Assert.True(applied.Succeeded, $"[{Lab.Host.Name}] {applied.Action}: {applied.Error}");
        Assert.Equal(inside["history"], await File.ReadAllTextAsync(Local("/var/shared/log/apt/history.log"), Ct));
        Assert.Equal(inside["log"], await File.ReadAllTextAsync(Local("/var/shared/log/hello-su.log"), Ct));
        Assert.Contains("status installed hello-su:all 1.1", await File.ReadAllTextAsync(Local("/var/shared/log/dpkg.log"), Ct));
    }

    /// <summary>
    /// The real dpkg's postinst removes a /var/spool directory the base holds and makes it again with other content:
    /// the kernel's overlayfs marks it opaque in the tmpfs upper, a mark the copy into the BE (zfs-fuse) cannot keep.
    /// The finish records it beside the staged trees; after the new BE boots the apply deletes the base entries it
    /// hid where they are unchanged live and records the deletion where they changed live; nothing else is lost,
    /// and the finish's report says what the apply does.
    /// </summary>
    [Fact]
    public async Task Upgrade_RealDpkg_RemakesASpoolDirectory_AfterTheBootTheEntriesItHidAreDeletedWhereUnchangedLive()
    {
        var deb = await PrepareAsync("rm -rf /var/spool/hello-q\nmkdir /var/spool/hello-q\necho 'job new' > /var/spool/hello-q/fresh");
        Directory.CreateDirectory(Local("/var/shared/spool/hello-q/sub"));
        await File.WriteAllTextAsync(Local("/var/shared/spool/hello-q/old1"), "job 1\n", Ct);
        await File.WriteAllTextAsync(Local("/var/shared/spool/hello-q/old2"), "job 2\n", Ct);
        await File.WriteAllTextAsync(Local("/var/shared/spool/hello-q/sub/deep"), "deep\n", Ct);
        await File.WriteAllTextAsync(Local("/var/shared/spool/other"), "kept\n", Ct);

        var result = await Workflow(Dpkg(deb)).RunAsync(new UpgradeRequest("be2"), new RunRequest(), _ => { }, Ct);

        Assert.True(result.Succeeded, Describe(result));
        var finish = result.Parts.Single(p => p.Action == "finish-upgrade");
        Assert.Contains(finish.Steps, s => s.Description.Contains("(/var/shared/spool/hello-q)", StringComparison.Ordinal));
        Assert.Equal(
        [
            "/var/shared/spool/hello-q/fresh added",
            "/var/shared/spool/hello-q/old1 deleted",
            "/var/shared/spool/hello-q/old2 deleted",
            "/var/shared/spool/hello-q/sub/deep deleted",
            "/var/shared/spool/hello-q/sub deleted",
        ], FinishUpgrade.StagedLines(finish.Report).Where(l => l.StartsWith("/var/shared/spool/hello-q", StringComparison.Ordinal)));
        var (mark, record) = await InsideAsync("be2", root => (
            new LocalFiles(root).GetXattr($"{UpgradeStaging.StagedDirectory}/spool/hello-q", "trusted.overlay.opaque"),
            OpaqueRecord.Read(new LocalFiles(root), $"{UpgradeStaging.StagedDirectory}/{OpaqueRecord.FileName}")));
        Assert.Null(mark); // zfs-fuse kept no mark: the record carries it
        Assert.Equal(["hello-q"], record!.For("spool"));
        await File.AppendAllTextAsync(Local("/var/shared/spool/hello-q/old2"), "changed live\n", Ct);
        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new RebootHost());

        var (_, _, upgrades) = await new AuditedOperations(Lab.NewEngine(), new SqliteAuditLog(Lab.Database)).AtStartAsync(Ct);

        var applied = Assert.Single(upgrades);
        Assert.True(applied.Succeeded, $"[{Lab.Host.Name}] {applied.Action}: {applied.Error}");
        Assert.Contains("hello-q/old1: deletion done at /var/shared/spool/hello-q/old1", applied.Report);
        Assert.Contains("hello-q/sub: deletion done at /var/shared/spool/hello-q/sub", applied.Report);
        Assert.Contains("hello-q/old2: deletion recorded, not performed (changed live since the base)", applied.Report);
        Assert.Equal(["fresh", "old2"], Directory.EnumerateFileSystemEntries(Local("/var/shared/spool/hello-q")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("job new\n", await File.ReadAllTextAsync(Local("/var/shared/spool/hello-q/fresh"), Ct));
        Assert.Equal("job 2\nchanged live\n", await File.ReadAllTextAsync(Local("/var/shared/spool/hello-q/old2"), Ct));
        Assert.Equal("kept\n", await File.ReadAllTextAsync(Local("/var/shared/spool/other"), Ct));
        Assert.Equal("From: lab\n\nlive mail\n", await File.ReadAllTextAsync(Local("/var/shared/mail/root"), Ct));
        Assert.Contains("status installed hello-su:all 1.0", await File.ReadAllTextAsync(Local("/var/shared/log/dpkg.log"), Ct));
    }

    [Fact]
    // Not in the OpenZFS guest: the run's own logic; the real dpkg staged, booted and applied runs there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Upgrade_PackageFailsHalfWay_BeMarkedFailedUnmounted_NothingReachesSharedData_ActivationRefused()
    {
        var deb = await PrepareAsync("echo 'half way' >> /var/log/hello-su.log\nexit 1");
        var live = UpgradeRoots.Tree(Local("/var/shared"));

        var result = await Workflow(Dpkg(deb)).RunAsync(new UpgradeRequest("be2"), new RunRequest(), _ => { }, Ct);

        Assert.Equal(UpgradeOutcome.CommandFailed, result.Outcome);
        Assert.Equal((CommandEnd.Exited, 1), (result.Command!.End, result.Command.ExitCode));
        Assert.Contains("post-installation script subprocess returned error exit status 1", result.Command.Output);
        await AssertFailedAndCleanAsync(live);
    }

    [Fact]
    // Not in the OpenZFS guest: the run's own logic; the real dpkg staged, booted and applied runs there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Upgrade_CommandHangsPastItsLimit_IsStopped_BeMarkedFailedUnmounted()
    {
        await PrepareAsync(null);
        var live = UpgradeRoots.Tree(Local("/var/shared"));
        var tool = Tool("echo \"upgrading $2\"; echo busy >> \"$2/var/log/hang.log\"; sleep 300", TimeSpan.FromSeconds(3));

        var result = await Workflow(tool).RunAsync(new UpgradeRequest("be2"), new RunRequest(), _ => { }, Ct);

        Assert.Equal(UpgradeOutcome.CommandFailed, result.Outcome);
        Assert.Equal(CommandEnd.TimedOut, result.Command!.End);
        Assert.Contains("upgrading " + Local("/run/snapupgrade/be-be2."), result.Command.Output);
        await AssertFailedAndCleanAsync(live);
    }

    [Fact]
    // Not in the OpenZFS guest: the run's own logic; the real dpkg staged, booted and applied runs there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Upgrade_WhileRunning_RefusesToBeActivatedUnmountedOrDestroyed_ThenCancelled_IsStoppedMarkedFailedUnmounted()
    {
        await PrepareAsync(null);
        var live = UpgradeRoots.Tree(Local("/var/shared"));
        var tool = Tool("echo started; sleep 300", TimeSpan.FromMinutes(5));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var running = Workflow(tool).RunAsync(new UpgradeRequest("be2"), new RunRequest(),
            line => { if (line == "started") started.TrySetResult(); }, cancel.Token);
        await started.Task.WaitAsync(TimeSpan.FromMinutes(2), Ct);
        Assert.Equal(UserProperties.UpgradeRunning, (await Lab.StateAsync()).Find("be2")!.Upgrade);
        foreach (IOperation refused in new IOperation[] { new ActivateBe("be2"), new UnmountBe("be2"), new DestroyBe("be2", ForceUnmount: true) })
            Assert.Equal(ErrorCode.UpgradeNotFinished, (await Lab.RunAsync(refused)).Error?.Code);
        await cancel.CancelAsync();
        var result = await running;

        Assert.Equal(UpgradeOutcome.CommandFailed, result.Outcome);
        Assert.Equal(CommandEnd.Cancelled, result.Command!.End);
        await AssertFailedAndCleanAsync(live);
    }

    /// <summary>The console stopped (kill -9) while the package command ran: the next start takes the staging off and marks the BE failed, audited as the system.</summary>
    [Fact]
    // Not in the OpenZFS guest: the run's own logic; the real dpkg staged, booted and applied runs there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Upgrade_ConsoleStoppedWhileItRan_NextStartTakesTheStagingOffAndMarksItFailed()
    {
        await PrepareAsync(null);
        var live = UpgradeRoots.Tree(Local("/var/shared"));
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new StageUpgrade("be2", StagingMiB: 16));
        Assert.NotEmpty(await Staging.ListStagingAsync(Ct));
        var audit = new SqliteAuditLog(Lab.Database);

        var (_, _, stopped) = await new AuditedOperations(Lab.NewEngine(), audit).AtStartAsync(Ct);

        var finish = Assert.Single(stopped);
        Assert.True(finish.Succeeded, $"[{Lab.Host.Name}] {finish.Error}");
        var row = Assert.Single((await audit.QueryAsync(new AuditQuery(Action: "finish-upgrade"), Ct)).Entries);
        Assert.Equal(("system", "be2", "succeeded"), (row.Actor, row.Target, row.Outcome));
        await AssertFailedAndCleanAsync(live);
        Assert.Empty((await new AuditedOperations(Lab.NewEngine(), audit).AtStartAsync(Ct)).Upgrades);
    }

    [Fact]
    public async Task Stage_FailingAtEachZfsStep_LeavesThePoolAndMountsAsBefore()
    {
        await PrepareAsync(null);
        await Lab.MustAsync(new CreateBe("be2"));
        var before = await Lab.ListingAsync();

        // Each zfs command of the stage fails in turn, until there is none left to fail: then it runs through.
        for (var i = 0; ; i += Lane.FaultStride)
        {
            Lab.Faults.FailAt(i);
            var result = await Lab.RunAsync(new StageUpgrade("be2"));
            if (result.Succeeded)
            {
                Lab.Faults.Disarm();
                Assert.True(i >= 6, $"the stage ran {i} zfs commands; it marks, snapshots, clones, sets and mounts at least 6");
                break;
            }
            Assert.True(result.Outcome == Outcome.Failed, $"fault at zfs command {i}: {result.Outcome} {result.Error}");
            Assert.Equal(before, await Lab.ListingAsync());
            Assert.Empty(await Staging.ListStagingAsync(Ct));
            Assert.Empty(await Lab.Host.Mounts.ListAsync(Ct));
        }
        await Lab.MustAsync(new FinishUpgrade("be2", Passed: false));
        Assert.Empty(await Staging.ListStagingAsync(Ct));
        Assert.Equal(UserProperties.UpgradeFailed, (await Lab.StateAsync()).Find("be2")!.Upgrade);
    }

    /// <summary>
    /// The host's option to apply at activation (<c>Upgrade:ApplyAt=activation</c>): activating the upgraded BE
    /// applies its staged writes at once, while the old BE runs, with the BE mounted only for that moment; its
    /// first start then has nothing left to apply. A trial activation leaves them for the first start.
    /// </summary>
    [Fact]
    // Not in the OpenZFS guest: the run's own logic; the real dpkg staged, booted and applied runs there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Upgrade_AppliedAtActivation_WritesReachTheSharedDataBeforeTheReboot_NothingLeftMounted()
    {
        var deb = await PrepareAsync("echo \"hello-su configured\" >> /var/log/hello-su.log");
        Assert.True((await Workflow(Dpkg(deb)).RunAsync(new UpgradeRequest("be2"), new RunRequest(), _ => { }, Ct)).Succeeded);
        var audit = new SqliteAuditLog(Lab.Database);
        var operations = new AuditedOperations(Lab.Engine, audit, applyStagedAtActivation: true);
        var admin = new Actor("ann", Role.Admin, "test");
        var mounts = await Lab.Host.Mounts.ListAsync(Ct);

        var trial = await operations.RunAsync(admin, new ActivateBe("be2", Temporary: true));
        Assert.True(trial.Succeeded, trial.Error?.Message);
        Assert.Equal(UserProperties.UpgradeStaged, (await Lab.StateAsync()).Find("be2")!.Upgrade);
        var activated = await operations.RunAsync(admin, new ActivateBe("be2"));

        Assert.True(activated.Succeeded, activated.Error?.Message);
        Assert.Contains(activated.Report, l => l.StartsWith("Applied the staged writes of be2", StringComparison.Ordinal));
        Assert.Equal("hello-su configured\n", await File.ReadAllTextAsync(Local("/var/shared/log/hello-su.log"), Ct));
        Assert.Contains("status installed hello-su:all 1.0", await File.ReadAllTextAsync(Local("/var/shared/log/dpkg.log"), Ct));
        var be2 = (await Lab.StateAsync()).Find("be2")!;
        Assert.Equal((UserProperties.UpgradeApplied, false, true), (be2.Upgrade, be2.IsMounted, be2.IsActiveOnReboot));
        Assert.Equal(mounts, await Lab.Host.Mounts.ListAsync(Ct));
        Assert.Empty(await Staging.ListStagingAsync(Ct));
        var row = Assert.Single((await audit.QueryAsync(new AuditQuery(Action: "apply-staged"), Ct)).Entries);
        Assert.Equal(("ann", "succeeded"), (row.Actor, row.Outcome));
        await Lab.MustAsync(new RebootHost());
        Assert.Empty((await new AuditedOperations(Lab.NewEngine(), audit).AtStartAsync(Ct)).Upgrades);
    }

    /// <summary>
    /// A command run by <c>chroot {root}</c> (the default's way) finds a fresh /proc, a read-only /sys, and a private
    /// /dev with only the harmless nodes, its own fds and ptys, none of the host's devices; all of it is gone after the finish.
    /// </summary>
    [Fact]
    // Not in the OpenZFS guest: /proc, /sys and the private /dev are Linux mounts under the mounted BE, the same on
    // every ZFS; the contract's ChrootMounts test mounts and lists them on OpenZFS there (8 s against this one's 50 s).
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Upgrade_CommandRunByChroot_HasProcReadOnlySysAndAPrivateDevWithoutHostDevices_AllTakenOffAfter()
    {
        await PrepareAsync(null);
        Directory.CreateDirectory(Local("/proc"));
        Directory.CreateDirectory(Local("/sys"));
        Directory.CreateDirectory(Local("/dev"));
        Directory.CreateDirectory(Local("/usr/bin"));
        // A package tool inside the BE (allowed by name, as a host adds its own), run in the chroot by busybox's sh.
        await File.WriteAllTextAsync(Local("/usr/bin/test-pkg"), "#!/bin/sh\nset -e\nb=/bin/busybox\n" +
            "$b test -c /dev/null\necho gone > /dev/null\n$b test -r /proc/self/status\n$b test -d /dev/pts\n" +
            "$b test -d /sys/class\nif $b touch /sys/written 2>/dev/null; then exit 9; fi\n" +
            "$b ls /dev > /var/log/chroot-dev.log\n$b head -c 4 /dev/urandom | $b wc -c >> /var/log/chroot-dev.log\n", Ct);
        File.SetUnixFileMode(Local("/usr/bin/test-pkg"), (UnixFileMode)0b111_101_101);
        var chroot = new UpgradeCommand(["chroot", "{root}", "test-pkg"], Lab.Host.HostRoot, TimeSpan.FromMinutes(2), ["test-pkg"]);

        var result = await Workflow(chroot).RunAsync(new UpgradeRequest("be2"), new RunRequest(), _ => { }, Ct);

        Assert.True(result.Succeeded, Describe(result));
        var listed = await InsideAsync("be2", root => File.ReadAllText(root + UpgradeStaging.StagedDirectory + "/log/chroot-dev.log"));
        Assert.Equal("fd full null ptmx pts random stderr stdin stdout tty urandom zero 4", string.Join(' ', listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim())));
        Assert.Empty(await Staging.ListStagingAsync(Ct));
        // The nodes were on the private tmpfs: the BE's own /dev holds nothing of them, nor its /sys.
        Assert.Empty(await InsideAsync("be2", root => Directory.EnumerateFileSystemEntries(root + "/dev").ToList()));
        Assert.Empty(await InsideAsync("be2", root => Directory.EnumerateFileSystemEntries(root + "/sys").ToList()));
    }

    /// <summary>
    /// Clearing runs as root over a tree the upgraded system could have changed since: links planted in the
    /// staged tree (into the shared data, relative and absolute, and to a directory outside it) and a FIFO
    /// are removed as themselves; nothing they point to is touched, and nothing blocks.
    /// </summary>
    [Fact]
    // Not in the OpenZFS guest: the run's own logic; the real dpkg staged, booted and applied runs there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task ClearUpgrade_StagedTreeHoldingHostileLinksAndAFifo_RemovesOnlyTheTreeItself()
    {
        await PrepareAsync(null);
        var tool = Tool("echo 'tool ran' >> \"$2/var/log/tool.log\"", TimeSpan.FromMinutes(1));
        Assert.True((await Workflow(tool).RunAsync(new UpgradeRequest("be2"), new RunRequest(), _ => { }, Ct)).Succeeded);
        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new RebootHost());
        Assert.True(Assert.Single((await new AuditedOperations(Lab.NewEngine(), new SqliteAuditLog(Lab.Database)).AtStartAsync(Ct)).Upgrades).Succeeded);
        var canary = Directory.CreateTempSubdirectory("snapupgrade-canary-").FullName;
        await File.WriteAllTextAsync(Path.Combine(canary, "keep"), "outside\n", Ct);
        var staged = Local(UpgradeStaging.StagedDirectory);
        File.CreateSymbolicLink(Path.Combine(staged, "log", "to-mail"), "../../../shared/mail");
        File.CreateSymbolicLink(Path.Combine(staged, "log", "to-mail-root"), Local("/var/shared/mail/root"));
        Directory.CreateSymbolicLink(Path.Combine(staged, "to-canary"), canary);
        Assert.Equal(0, (await new ProcessRunner(TimeSpan.FromSeconds(30)).RunAsync(["mkfifo", Path.Combine(staged, "log", "fifo")], ct: Ct)).ExitCode);
        var live = UpgradeRoots.Tree(Local("/var/shared"));

        await Lab.MustAsync(new ClearUpgrade("be2"));

        Assert.False(Path.Exists(Local("/var/.snapupgrade")));
        Assert.Equal(live, UpgradeRoots.Tree(Local("/var/shared")));
        Assert.Equal("From: lab\n\nlive mail\n", await File.ReadAllTextAsync(Local("/var/shared/mail/root"), Ct));
        Assert.Equal("outside\n", await File.ReadAllTextAsync(Path.Combine(canary, "keep"), Ct));
        Assert.Null((await Lab.StateAsync()).Find("be2")!.Upgrade);
        Directory.Delete(canary, recursive: true);
    }

    /// <summary>
    /// Issue 14's stated limit, held by the mounts: a zone's shared dataset is not staged, and in the upgrade's alternate
    /// root the zone BE's /var/shared is the zone's dataset bound read-only (as <c>MountBe</c> binds it). A package tool
    /// that writes into a zone's shared directories there, through the zone BE's links or straight into the mount, is
    /// refused every time, and neither the zone's live data nor the global shared data changes.
    /// </summary>
    [Fact]
    public async Task Upgrade_ToolWritesIntoAZonesSharedDirectories_EveryWriteRefused_TheZonesLiveDataUntouched()
    {
        await PrepareAsync(postinst: null);
        await Lab.MustAsync(new CreateZone("web"));
        Lab.Write("/zones/web/root/var/mail/www", "zone mail\n");
        var zoneShared = Local(Layout.ZoneSharedMountPoint("web"));
        var (live, zoneLive) = (UpgradeRoots.Tree(Local("/var/shared")), UpgradeRoots.Tree(zoneShared));
        // Each write must fail; one that goes through ends the tool with 3, which fails the upgrade.
        var tool = Tool("""
            zone="$2/zones/web/root/var"
            for target in "$zone/mail/www" "$zone/log/from-the-upgrade.log" "$zone/shared/spool/queue"; do
                if echo "from the upgrade" >> "$target"; then echo "written: $target"; exit 3; fi
            done
            if mkdir "$zone/spool/new"; then echo "made: $zone/spool/new"; exit 3; fi
            echo "every zone write refused"
            """, TimeSpan.FromMinutes(1));

        var result = await Workflow(tool).RunAsync(new UpgradeRequest("be2"), new RunRequest(), _ => { }, Ct);

        Assert.True(result.Succeeded, Describe(result));
        Assert.Contains("every zone write refused", result.Command?.Output, StringComparison.Ordinal);
        Assert.Equal(zoneLive, UpgradeRoots.Tree(zoneShared));
        Assert.Equal("zone mail\n", Lab.Read("/zones/web/root/var/mail/www"));
        Assert.Equal(live, UpgradeRoots.Tree(Local("/var/shared")));
        Assert.Empty(await Staging.ListStagingAsync(Ct));
    }

    /// <summary>What the live dpkg.log holds before the upgrade.</summary>
    private const string BaseLog = UpgradeRoots.BaseLog;

    private IStagingMounts Staging => (IStagingMounts)Lab.Host.Mounts;

    private UpgradeWorkflow Workflow(IUpgradeCommand command) => new(Lab.Engine, command, stagingMiB: 16);

    private UpgradeCommand Dpkg(string deb) =>
        new(["dpkg", "--root={root}", "--log={root}/var/log/dpkg.log", "--force-not-root", "-i", deb], Lab.Host.HostRoot, TimeSpan.FromMinutes(5));

    /// <summary>A package tool of the test's (a script, on the allow-list by name as a host adds its own), given the alternate root.</summary>
    private UpgradeCommand Tool(string body, TimeSpan limit)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("snapupgrade-tool-").FullName, "test-pkg");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return new UpgradeCommand([path, "--root", "{root}"], Lab.Host.HostRoot, limit, ["test-pkg"]);
    }

    private async Task AssertFailedAndCleanAsync(string live)
    {
        Assert.Equal(live, UpgradeRoots.Tree(Local("/var/shared")));
        var be2 = (await Lab.StateAsync()).Find("be2")!;
        Assert.Equal((UserProperties.UpgradeFailed, false), (be2.Upgrade, be2.IsMounted));
        Assert.Empty(await Staging.ListStagingAsync(Ct));
        Assert.Empty(await Lab.Host.Mounts.ListAsync(Ct));
        Assert.Null((await Lab.Host.Zfs.ListAsync(Lab.Host.Pool, Ct)).Find(UpgradeStaging.BaseClone(new Layout(Lab.Host.Pool), "be2")));
        Assert.False(await InsideAsync("be2", root => Directory.Exists(root + UpgradeStaging.StagedDirectory)));
        var refused = await Lab.RunAsync(new ActivateBe("be2"));
        Assert.Equal(ErrorCode.UpgradeNotFinished, refused.Error?.Code);
        Assert.Equal(ErrorCode.UpgradeNotFinished, (await Lab.RunAsync(new ClearUpgrade("be2"))).Error?.Code);
        // Destroyed, its base goes with it: no snapshot of the shared data is left holding its old blocks.
        await Lab.MustAsync(new DestroyBe("be2"));
        Assert.Null((await Lab.Host.Zfs.ListAsync(Lab.Host.Pool, Ct)).Find(UpgradeStaging.BaseSnapshot(new Layout(Lab.Host.Pool), "be2")));
        Assert.Equal(live, UpgradeRoots.Tree(Local("/var/shared")));
    }

    /// <summary>Mounts the BE for a moment and reads it.</summary>
    private async Task<T> InsideAsync<T>(string be, Func<string, T> read)
    {
        await Lab.MustAsync(new MountBe(be));
        try
        {
            return read(Local((await Lab.StateAsync()).Find(be)!.MountedAt!));
        }
        finally
        {
            await Lab.MustAsync(new UnmountBe(be));
        }
    }

    /// <summary>
    /// Lays be1 out as a migrated Debian root (the shared directories as links into /var/shared, dpkg's
    /// database, busybox as /bin/sh for maintainer scripts) with live shared data, and builds hello-su 1.0
    /// with <paramref name="postinst"/> (none: no package). Returns the .deb's path.
    /// </summary>
    private async Task<string> PrepareAsync(string? postinst)
    {
        UpgradeRoots.RequireTools();
        UpgradeRoots.LayOutMigratedDebianRoot(Local(""));
        await File.WriteAllTextAsync(Local("/var/shared/log/dpkg.log"), BaseLog, Ct);
        await File.WriteAllTextAsync(Local("/var/shared/mail/root"), "From: lab\n\nlive mail\n", Ct);
        return postinst is null ? "" : await UpgradeRoots.BuildPackageAsync(Directory.CreateTempSubdirectory("snapupgrade-deb-").FullName, postinst, Ct);
    }

    private string Describe(UpgradeResult result) =>
        $"[{Lab.Host.Name}] {result.Outcome}: {string.Join("; ", result.Parts.Select(p => $"{p.Action} {p.Outcome} {p.Error}"))}; " +
        $"{result.Command?.Summary}\n{result.Command?.Output}";
}

public sealed class UpgradesOnZfsFuse : Upgrades<ZfsFuse>;
