using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Infra.Processes;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Scenarios.Lab;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// The configured boot loader boots what activation chose (ADR 0016). GRUB with the real grub-editenv
/// on a scratch grubenv and the console's menu in a scratch /boot; systemd-boot with its entries and
/// loader.conf in a scratch ESP and the EFI variable observed; ZFSBootMenu by properties. The lab's
/// in-process boot boots what the loader would: a one-shot BE once, the default one after.
/// </summary>
public abstract class BootLoaders<TBackend> : Scenario<TBackend>, IAsyncDisposable where TBackend : IBackend
{
    private const string LoaderConf = "timeout 3\r\n# kept as it is\ndefault arch.conf\neditor no\n";
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("snapupgrade-boot-");
    private readonly ObservedEfiVariables _efi = new();

    private string Scratch(string path) => _scratch.FullName + path;

    private void UseGrub()
    {
        Directory.CreateDirectory(Scratch("/boot/grub"));
        Lab.UseBootLoader(new BootLoaderOptions { Kind = BootLoaderKind.Grub },
            new LoaderPorts(new LocalFiles(_scratch.FullName), new GrubEnvironment(Scratch("/boot/grub/grubenv"), new ProcessRunner())));
    }

    private void UseSystemdBoot(bool bootsInProcess = true)
    {
        Directory.CreateDirectory(Scratch("/boot/efi/loader/entries"));
        File.WriteAllText(Scratch("/boot/efi/loader/loader.conf"), LoaderConf);
        Lab.UseBootLoader(new BootLoaderOptions { Kind = BootLoaderKind.SystemdBoot },
            new LoaderPorts(new LocalFiles(_scratch.FullName), _efi), bootsInProcess);
    }

    /// <summary>The grubenv as GRUB's own tool lists it (not through the engine's adapter).</summary>
    private async Task<Dictionary<string, string>> GrubEnvAsync()
    {
        if (!File.Exists(Scratch("/boot/grub/grubenv"))) return [];
        var listed = (await new ProcessRunner().RunAsync(["grub-editenv", Scratch("/boot/grub/grubenv"), "list"])).EnsureSuccess();
        return listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
    }

    /// <summary>The pool's listing, the grubenv and the console's GRUB menu, as one comparable text.</summary>
    private async Task<string> HostAndGrubAsync() =>
        $"{await Lab.ListingAsync()}\n{string.Join(' ', (await GrubEnvAsync()).Order())}\n{(File.Exists(Scratch("/boot/grub/snapupgrade.cfg")) ? File.ReadAllText(Scratch("/boot/grub/snapupgrade.cfg")) : "(no menu)")}";

    private async Task<string?> BootedAsync() => (await Lab.StateAsync()).Booted?.Name;

    [Fact]
    public async Task Grub_OneShotThenReboots_BootsTheOneShotBeOnceThenTheDefault()
    {
        UseGrub();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new CreateBe("be3"));

        await Lab.MustAsync(new ActivateBe("be2"));
        Assert.Equal("snapupgrade-be2", (await GrubEnvAsync())["saved_entry"]);
        var menu = File.ReadAllText(Scratch("/boot/grub/snapupgrade.cfg"));
        foreach (var be in new[] { "be1", "be2", "be3" })
        {
            Assert.Contains($"--id snapupgrade-{be} {{", menu);
            Assert.Contains($"linux /ROOT/{be}@/boot/vmlinuz root=ZFS={Lab.Host.Pool}/ROOT/{be} ro", menu);
        }

        var state = await Lab.StateAsync();
        Assert.Equal("grub", state.BootLoader);
        Assert.All(state.BootEnvironments, b => Assert.True(b.HasLoaderEntry, b.Name));

        var once = await Lab.MustAsync(new ActivateBe("be3", Temporary: true));
        Assert.Contains(once.Steps, s => s.Argv.SequenceEqual(["grub-editenv", Scratch("/boot/grub/grubenv"), "set", "next_entry=snapupgrade-be3"]));
        Assert.Equal("snapupgrade-be3", (await GrubEnvAsync())["next_entry"]);
        Assert.True((await Lab.StateAsync()).Find("be3")!.IsNextBoot, "the console's T flag follows the loader");

        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be3", await BootedAsync());
        Assert.False((await GrubEnvAsync()).ContainsKey("next_entry"), "the boot used up next_entry, as GRUB does");
        Assert.Null((await Lab.StateAsync()).NextBoot);

        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be2", await BootedAsync());
    }

    /// <summary>
    /// A real boot, not the lab's: GRUB clears next_entry as it boots the one-shot entry, and the console
    /// starting on the booted host forgets its mark (audited as the system). While GRUB still holds the
    /// one-shot, nothing is forgotten and nothing audited.
    /// </summary>
    [Fact]
    public async Task Grub_OneShotUsedByTheLoader_IsForgottenAtStartOnlyOnceUsed()
    {
        UseGrub();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new CreateBe("be3"));
        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be3", Temporary: true));
        var audited = new AuditedOperations(Lab.Engine, new SqliteAuditLog(Lab.Database));

        Assert.Null((await audited.AtStartAsync()).OneShotForgotten);
        var early = await Lab.RunAsync(new ForgetOneShot("be3"));
        Assert.Equal((Outcome.Refused, ErrorCode.OneShotNotUsed), (early.Outcome, early.Error?.Code));
        Assert.Equal("be3", (await Lab.StateAsync()).NextBoot?.Name);

        await new ProcessRunner().RunAsync(["grub-editenv", Scratch("/boot/grub/grubenv"), "unset", "next_entry"]); // GRUB, booting be3
        var forgotten = (await audited.AtStartAsync()).OneShotForgotten;

        Assert.Equal(Outcome.Succeeded, forgotten?.Outcome);
        var state = await Lab.StateAsync();
        Assert.Null(state.NextBoot);
        Assert.Equal("be2", state.BootTarget?.Name);
        Assert.Equal("snapupgrade-be2", (await GrubEnvAsync())["saved_entry"]);
        var row = Assert.Single((await new SqliteAuditLog(Lab.Database).QueryAsync(new AuditQuery(Action: "one-shot-used"))).Entries);
        Assert.Equal(("system", "be3"), (row.Actor, row.Target));
        Assert.Null((await audited.AtStartAsync()).OneShotForgotten);
    }

    [Fact]
    public async Task Grub_NextEntrySetByHand_IsWhatTheInProcessBootBoots()
    {
        UseGrub();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be1"));
        await new ProcessRunner().RunAsync(["grub-editenv", Scratch("/boot/grub/grubenv"), "set", "next_entry=snapupgrade-be2"]);

        await Lab.MustAsync(new RebootHost());

        Assert.Equal("be2", await BootedAsync());
        Assert.Equal("snapupgrade-be1", (await GrubEnvAsync())["saved_entry"]);
        Assert.False((await GrubEnvAsync()).ContainsKey("next_entry"));
    }

    [Fact]
    public async Task Grub_TrialThenGoBackBeforeItsBoot_DropsNextEntryAndBootsTheDefault()
    {
        UseGrub();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be1"));
        await Lab.MustAsync(new ActivateBe("be2", Temporary: true));
        Assert.Equal("snapupgrade-be2", (await GrubEnvAsync())["next_entry"]);

        var back = await Lab.MustAsync(new EndTrial("be2"));

        Assert.Contains(back.Steps, s => s.Argv.SequenceEqual(["grub-editenv", Scratch("/boot/grub/grubenv"), "unset", "next_entry"]));
        Assert.False((await GrubEnvAsync()).ContainsKey("next_entry"));
        Assert.Equal("snapupgrade-be1", (await GrubEnvAsync())["saved_entry"]);
        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be1", await BootedAsync());
    }

    [Fact]
    public async Task Grub_TrialKept_MakesItGrubsDefault()
    {
        UseGrub();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be1"));
        await Lab.MustAsync(new ActivateBe("be2", Temporary: true));
        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be2", (await Lab.StateAsync()).OnTrial?.Name);

        await Lab.MustAsync(new ActivateBe("be2"));

        Assert.Equal("snapupgrade-be2", (await GrubEnvAsync())["saved_entry"]);
        Assert.Null((await Lab.StateAsync()).OnTrial);
        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be2", await BootedAsync());
    }

    [Fact]
    // Not in the OpenZFS guest: the loader's files alone; the ZFS side of each activation runs there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Grub_ActivateFailingAtTheCommit_PutsGrubenvAndMenuBack()
    {
        UseGrub();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be1"));
        File.Delete(Scratch("/boot/grub/snapupgrade.cfg"));
        var before = await Lab.ListingAsync();
        var steps = (await Lab.RunAsync(new ActivateBe("be2"), dryRun: true)).Steps;
        Assert.Contains(steps, s => s.Argv.Contains("saved_entry=snapupgrade-be2"));

        Lab.Faults.FailAt(steps.Count(s => s.Argv[0] is "zfs" or "zpool") - 1); // the bootfs commit, after the loader's steps
        var result = await Lab.RunAsync(new ActivateBe("be2"));

        Assert.Equal(Outcome.Failed, result.Outcome);
        Assert.Equal("snapupgrade-be1", (await GrubEnvAsync())["saved_entry"]);
        Assert.False(File.Exists(Scratch("/boot/grub/snapupgrade.cfg")), "the menu the failed activation wrote is gone again");
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    // Not in the OpenZFS guest: the loader's files alone; the ZFS side of each activation runs there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Grub_ActivateKilledAtAnyPoint_IsUndoneFromTheJournalWithGrubenvAndMenuAsBefore()
    {
        UseGrub();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be1"));
        await Lab.MustAsync(new CreateBe("be3"));
        File.Delete(Scratch("/boot/grub/snapupgrade.cfg")); // so the activation writes it: a file undone from the journal too
        var before = await HostAndGrubAsync();

        for (var point = 0; ; point++)
        {
            Lab.Crashes.CrashAt(point / 2, afterWrite: point % 2 == 1);
            var run = Lab.RunAsync(new ActivateBe("be2"));
            if (await Task.WhenAny(run, Lab.Crashes.Crashed.WaitAsync(TimeSpan.FromSeconds(120))) == run)
            {
                Lab.Crashes.Disarm();
                Assert.True((await run).Succeeded);
                Assert.True(point > 4, $"the activation wrote ahead only {point / 2} times");
                Assert.Equal("snapupgrade-be2", (await GrubEnvAsync())["saved_entry"]);
                return;
            }
            var lines = await Lab.NewEngine().ReconcileAsync();

            Assert.Contains("; undone", Assert.Single(lines), StringComparison.Ordinal);
            Assert.Equal(before, await HostAndGrubAsync());
        }
    }

    [Fact]
    public async Task SystemdBoot_OneShotThenReboots_BootsTheOneShotBeOnceThenTheDefault()
    {
        UseSystemdBoot();
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new CreateBe("be3"));

        await Lab.MustAsync(new ActivateBe("be2"));
        Assert.Equal(LoaderConf.Replace("default arch.conf", "default snapupgrade-be2.conf", StringComparison.Ordinal),
            File.ReadAllText(Scratch("/boot/efi/loader/loader.conf")));
        Assert.Contains($"options root=ZFS={Lab.Host.Pool}/ROOT/be2 rw", File.ReadAllText(Scratch("/boot/efi/loader/entries/snapupgrade-be2.conf")));

        await Lab.MustAsync(new ActivateBe("be3", Temporary: true));
        Assert.Equal("snapupgrade-be3.conf", _efi.Values[BootLoaderSteps.OneShotVariable]);

        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be3", await BootedAsync());
        Assert.False(_efi.Values.ContainsKey(BootLoaderSteps.OneShotVariable), "the boot used the one-shot entry up");

        await Lab.MustAsync(new RebootHost());
        Assert.Equal("be2", await BootedAsync());
    }

    [Fact]
    public async Task SystemdBoot_OneShotUsedByTheLoader_IsForgotten()
    {
        UseSystemdBoot(bootsInProcess: false);
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be2", Temporary: true));
        var early = await Lab.RunAsync(new ForgetOneShot("be2"));
        Assert.Equal((Outcome.Refused, ErrorCode.OneShotNotUsed), (early.Outcome, early.Error?.Code));

        _efi.Values.Remove(BootLoaderSteps.OneShotVariable); // systemd-boot, booting be2

        await Lab.MustAsync(new ForgetOneShot("be2"));
        Assert.Null((await Lab.StateAsync()).NextBoot);
    }

    [Fact]
    public async Task SystemdBoot_CreateRenameDestroy_KeepOneEntryPerBe()
    {
        UseSystemdBoot();
        var entries = Scratch("/boot/efi/loader/entries");
        File.WriteAllText($"{entries}/arch.conf", "title Arch\n");

        await Lab.MustAsync(new CreateBe("be2"));
        Assert.Equal(["arch.conf", "snapupgrade-be1.conf", "snapupgrade-be2.conf"], Directory.GetFiles(entries).Select(Path.GetFileName).Order());

        Assert.True((await Lab.StateAsync()).Find("be2")!.HasLoaderEntry);
        File.Delete($"{entries}/snapupgrade-be2.conf");
        Assert.False((await Lab.StateAsync()).Find("be2")!.HasLoaderEntry);

        await Lab.MustAsync(new RenameBe("be2", "be4"));
        Assert.Equal(["arch.conf", "snapupgrade-be1.conf", "snapupgrade-be4.conf"], Directory.GetFiles(entries).Select(Path.GetFileName).Order());
        Assert.Contains($"root=ZFS={Lab.Host.Pool}/ROOT/be4 ", File.ReadAllText($"{entries}/snapupgrade-be4.conf"));

        await Lab.MustAsync(new DestroyBe("be4"));
        Assert.Equal(["arch.conf", "snapupgrade-be1.conf"], Directory.GetFiles(entries).Select(Path.GetFileName).Order());
        Assert.Equal("title Arch\n", File.ReadAllText($"{entries}/arch.conf"));
    }

    [Fact]
    // Not in the OpenZFS guest: the loader's files alone; the ZFS side of each activation runs there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task SystemdBoot_ActivateFailingAtTheCommit_PutsLoaderConfBackByteForByte()
    {
        UseSystemdBoot();
        await Lab.MustAsync(new CreateBe("be2"));
        var before = await Lab.ListingAsync();
        var steps = (await Lab.RunAsync(new ActivateBe("be2"), dryRun: true)).Steps;

        Lab.Faults.FailAt(steps.Count(s => s.Argv[0] is "zfs" or "zpool") - 1);
        var result = await Lab.RunAsync(new ActivateBe("be2"));

        Assert.Equal(Outcome.Failed, result.Outcome);
        Assert.Equal(LoaderConf, File.ReadAllText(Scratch("/boot/efi/loader/loader.conf")));
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    // Not in the OpenZFS guest: the loader's files alone; the ZFS side of each activation runs there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task SystemdBoot_LinksOutOfTheEsp_AreRefusedAndNothingIsWrittenOutside()
    {
        UseSystemdBoot();
        await Lab.MustAsync(new CreateBe("be2"));
        var outside = Directory.CreateDirectory(Scratch("/outside")).FullName;
        File.WriteAllText($"{outside}/loader.conf", "default mine.conf\n");
        File.Delete(Scratch("/boot/efi/loader/loader.conf"));
        File.CreateSymbolicLink(Scratch("/boot/efi/loader/loader.conf"), $"{outside}/loader.conf");
        var before = await Lab.ListingAsync();

        var activate = await Lab.RunAsync(new ActivateBe("be2"));

        Assert.Equal(ErrorCode.UnsafePath, activate.Error?.Code);
        Assert.Equal("default mine.conf\n", File.ReadAllText($"{outside}/loader.conf"));
        Assert.Equal(before, await Lab.ListingAsync());

        Directory.Delete(Scratch("/boot/efi/loader/entries"), recursive: true);
        Directory.CreateSymbolicLink(Scratch("/boot/efi/loader/entries"), outside);
        var create = await Lab.RunAsync(new CreateBe("be3"));

        Assert.Equal(ErrorCode.UnsafePath, create.Error?.Code);
        Assert.Equal(["loader.conf"], Directory.GetFiles(outside).Select(Path.GetFileName));
        Assert.Null((await Lab.StateAsync()).Find("be3"));
    }

    [Fact]
    public async Task ZfsBootMenu_Activate_GivesTheBeTheBootedKernelCommandLine_AndRefusesOneShot()
    {
        Lab.UseBootLoader(new BootLoaderOptions { Kind = BootLoaderKind.ZfsBootMenu }, null);
        var root = $"{Lab.Host.Pool}/ROOT";
        await Lab.Host.Zfs.ExecuteAsync(new ZfsSet($"{root}/be1", UserProperties.ZbmCommandLine, "quiet loglevel=3"));
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new CreateBe("be3"));
        await Lab.Host.Zfs.ExecuteAsync(new ZfsSet($"{root}/be3", UserProperties.ZbmCommandLine, "own"));

        await Lab.MustAsync(new ActivateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be3"));

        var listing = await Lab.Host.Zfs.ListAsync(Lab.Host.Pool);
        Assert.Equal("quiet loglevel=3", listing.Find($"{root}/be2")!.ZbmCommandLine);
        Assert.Equal("own", listing.Find($"{root}/be3")!.ZbmCommandLine);
        Assert.Equal($"{root}/be3", listing.Pool.Bootfs);

        var before = await Lab.ListingAsync();
        var once = await Lab.RunAsync(new ActivateBe("be1", Temporary: true));
        Assert.Equal(ErrorCode.OneShotUnsupported, once.Error?.Code);
        Assert.Contains("ZFSBootMenu", once.Error!.Message);
        Assert.Equal(before, await Lab.ListingAsync());
    }

    [Fact]
    public async Task None_OnAHostThatBootsByItsLoader_RefusesOneShot()
    {
        Lab.UseBootLoader(new BootLoaderOptions(), null, bootsInProcess: false);
        await Lab.MustAsync(new CreateBe("be2"));
        var before = await Lab.ListingAsync();

        var once = await Lab.RunAsync(new ActivateBe("be2", Temporary: true));

        Assert.Equal(ErrorCode.OneShotUnsupported, once.Error?.Code);
        Assert.Equal(before, await Lab.ListingAsync());
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await DisposeAsync();
        _scratch.Delete(recursive: true);
        GC.SuppressFinalize(this);
    }
}

public sealed class BootLoadersOnSimulator : BootLoaders<Simulated>;
public sealed class BootLoadersOnZfsFuse : BootLoaders<ZfsFuse>;
