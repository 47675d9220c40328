using SnapUpgrade.Core.Operations;
using SnapUpgrade.Tests.Scenarios.Lab;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// On a real host the console's SQLite file lives in /var/adm/snapupgrade, which the console's own
/// migration moves onto the shared dataset. Only a real file system can show that nothing is lost
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
    public async Task MigratingVarAdm_MovesTheJournalOntoSharedWithoutLosingARow()
    {
        var lab = _lab!;
        await lab.MustAsync(new CreateBe("be2"));
        var before = await lab.Journal.RecentAsync(10);

        await lab.MustAsync(new MigrateShared("be1"));
        await lab.MustAsync(new SnapshotBe("be2", "after"));

        Assert.Equal("shared/adm", lab.Host.Files.ReadLink("/var/adm"));
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
