using SnapUpgrade.Core.Operations;
using SnapUpgrade.Tests.Scenarios.Lab;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// On a real host the console's SQLite file lives in /var/adm/snapupgrade. Migrating a new BE
/// copies that BE's copy of the file (as it was at the clone) into the shared dataset; the live
/// file of the booted BE is never touched, so no row is lost. Only a real file system shows this
/// (the simulator keeps its database in the user's data folder), so this runs on zfs-fuse alone.
/// </summary>
public sealed class ConsoleDatabaseOnZfsFuse : IAsyncLifetime
{
    private ITestHost? _host;
    private EngineLab? _lab;

    public async ValueTask InitializeAsync()
    {
        _host = await ZfsFuse.CreateHostAsync();
        _lab = await EngineLab.StartAsync(_host, dataDir: _host.HostRoot + "/var/adm/snapupgrade");
    }

    [Fact]
    public async Task MigratingANewBe_CopiesItsDatabaseToSharedAndTheLiveJournalKeepsEveryRow()
    {
        var lab = _lab!;
        await lab.MustAsync(new CreateBe("be2"));
        var before = await lab.Journal.RecentAsync(10);

        await lab.MustAsync(new MigrateShared("be2"));
        await lab.MustAsync(new SnapshotBe("be2", "after"));

        Assert.Equal(Core.Host.FileKind.Directory, lab.Host.Files.GetKind("/var/adm")); // the booted BE's own, untouched
        Assert.Equal(Core.Host.FileKind.File, lab.Host.Files.GetKind("/var/shared/adm/snapupgrade/snapupgrade.db"));
        var after = await lab.Journal.RecentAsync(10);
        Assert.Equal(["snapshot", "migrate-shared", "create"], after.Select(e => e.Action));
        Assert.All(after, e => Assert.Equal("succeeded", e.Outcome));
        Assert.Equal(before.Single().Id, after.Last().Id);
    }

    public async ValueTask DisposeAsync()
    {
        if (_lab is not null) await _lab.DisposeAsync();
        if (_host is not null) await _host.DisposeAsync();
    }
}
