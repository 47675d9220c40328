using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Tests.Scenarios.Lab;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>The Snap Upgrade promises about /var/shared, on both backends.</summary>
public abstract class SharedVar<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    [Fact]
    public async Task Migrate_BootedBe_MakesRelativeLinksWithByteIdenticalContent()
    {
        var mail = Lab.Host.Files.ReadAllBytes("/var/mail/root");
        var log = Lab.Host.Files.ReadAllBytes("/var/log/messages");
        Assert.Equal(SharedDirState.NotMigrated, (await Health("be1"))["mail"]);

        var result = await Lab.MustAsync(new MigrateShared("be1"));

        foreach (var dir in Layout.SharedDirectories)
        {
            Assert.Equal(FileKind.Symlink, Lab.Host.Files.GetKind($"/var/{dir}"));
            Assert.Equal($"shared/{dir}", Lab.Host.Files.ReadLink($"/var/{dir}"));
        }
        Assert.Equal(mail, Lab.Host.Files.ReadAllBytes("/var/mail/root"));
        Assert.Equal(mail, Lab.Host.Files.ReadAllBytes("/var/shared/mail/root"));
        Assert.Equal(log, Lab.Host.Files.ReadAllBytes("/var/log/messages"));
        Assert.Contains(result.Report, line => line.Contains("/var/mail/root") && line.Contains("/var/shared/mail/root"));
        Assert.All(await Health("be1"), h => Assert.Equal(SharedDirState.Ok, h.Value));
    }

    [Fact]
    public async Task Migrate_NameTakenInShared_KeepsBothSideBySide()
    {
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new MigrateShared("be1"));
        Lab.Write("/var/mail/root", "mail that arrived after be2 was made\n");

        var result = await Lab.MustAsync(new MigrateShared("be2"));

        Assert.Equal("mail that arrived after be2 was made\n", Lab.Read("/var/shared/mail/root"));
        Assert.StartsWith("From: lab", Lab.Read("/var/shared/mail/root.be2"));
        Assert.Contains(result.Report, line => line.Contains("root.be2") && line.Contains("kept"));
        Assert.All(await Health("be2"), h => Assert.Equal(SharedDirState.Ok, h.Value));
        Assert.False((await Lab.StateAsync()).Find("be2")!.IsMounted);
    }

    [Fact]
    public async Task AlternateRoot_SeesSharedDataReadOnly_WhileTheLivePathTakesWrites()
    {
        await Lab.MustAsync(new MigrateShared("be1"));
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new MountBe("be2", "/a"));

        Assert.Equal(Lab.Read("/var/mail/root"), Lab.Read("/a/var/mail/root"));
        var refused = Assert.Throws<ReadOnlyFileSystemException>(() => Lab.Write("/a/var/mail/intruder", "x"));
        Assert.Equal(30, refused.HResult);
        Lab.Write("/var/mail/live", "still writable\n");
        Assert.Equal("still writable\n", Lab.Read("/a/var/mail/live"));
        Assert.Equal(FileKind.Missing, Lab.Host.Files.GetKind("/var/mail/intruder"));

        await Lab.MustAsync(new UnmountBe("be2"));
    }

    [Fact]
    public async Task BootingTheActivatedBe_FindsMailWrittenAfterActivation()
    {
        await Lab.MustAsync(new MigrateShared("be1"));
        await Lab.MustAsync(new CreateBe("be2"));
        await Lab.MustAsync(new ActivateBe("be2"));
        Lab.Host.Files.AppendAllBytes("/var/mail/root", "\nFrom: late\n\nwritten after activation\n"u8.ToArray());

        var boot = await Lab.MustAsync(new RebootHost());

        var state = await Lab.StateAsync();
        Assert.True(state.Find("be2")!.IsBooted);
        Assert.False(state.Find("be1")!.IsMounted);
        Assert.Equal(("be1", "be2"), (boot.FromBe, boot.ToBe));
        Assert.EndsWith("written after activation\n", Lab.Read("/var/mail/root"));
        Assert.Equal(FileKind.Symlink, Lab.Host.Files.GetKind("/var/mail"));
    }

    [Fact]
    public async Task SharedHealth_AskedAgainUnchanged_ReusesTheReportUntilTheEngineChangesSomething()
    {
        await Lab.MustAsync(new CreateBe("be2")); // unmounted: a report mounts it for a moment
        var first = await Lab.Engine.GetSharedHealthAsync();
        var commands = Lab.Faults.Executed;

        var again = await Lab.Engine.GetSharedHealthAsync();

        Assert.Same(first, again);
        Assert.Equal(commands, Lab.Faults.Executed); // no temporary mount the second time

        await Lab.MustAsync(new MigrateShared("be1"));
        var afterMigration = await Lab.Engine.GetSharedHealthAsync();
        Assert.NotSame(first, afterMigration);
        Assert.All(afterMigration.Entries.Single(e => e.Be == "be1" && e.Zone is null).Directories,
            d => Assert.Equal(SharedDirState.Ok, d.State));
    }

    private async Task<Dictionary<string, SharedDirState>> Health(string be) =>
        (await Lab.Engine.GetSharedHealthAsync()).Entries.Single(e => e.Be == be && e.Zone is null)
            .Directories.ToDictionary(d => d.Directory, d => d.State);
}

public sealed class SharedVarOnSimulator : SharedVar<Simulated>;
public sealed class SharedVarOnZfsFuse : SharedVar<ZfsFuse>;

/// <summary>A host laid out before Snap Upgrade: no /var/shared yet.</summary>
public abstract class SharedAdoption<TBackend> : Scenario<TBackend> where TBackend : IBackend
{
    protected override bool WithShared => false;

    [Fact]
    public async Task SharedInit_ThenMigrate_AdoptsTheLayoutAndKeepsTheData()
    {
        var mail = Lab.Host.Files.ReadAllBytes("/var/mail/root");
        var refused = await Lab.RunAsync(new MigrateShared("be1"));
        Assert.Equal(ErrorCode.SharedMissing, refused.Error?.Code);

        await Lab.MustAsync(new InitShared());
        var again = await Lab.MustAsync(new InitShared());
        await Lab.MustAsync(new MigrateShared("be1"));

        Assert.Empty(again.Steps);
        Assert.Equal("/var/shared", (await Lab.StateAsync()).SharedDatasets.Single(s => s.Zone is null).MountedAt);
        Assert.Equal(mail, Lab.Host.Files.ReadAllBytes("/var/mail/root"));
        Assert.Equal("shared/mail", Lab.Host.Files.ReadLink("/var/mail"));
    }
}

public sealed class SharedAdoptionOnSimulator : SharedAdoption<Simulated>;
public sealed class SharedAdoptionOnZfsFuse : SharedAdoption<ZfsFuse>;
