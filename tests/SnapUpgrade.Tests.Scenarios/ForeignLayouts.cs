using System.Text;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Tests.Scenarios.Lab;
using SnapUpgrade.Tests.Support;
using SnapUpgrade.Tests.Support.Layouts;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>
/// Hosts laid out by other installers and BE tools (<see cref="ForeignLayout"/>): the console lists
/// them as they are, says which layout each is, counts a directory shared by its own dataset as
/// healthy, writes nothing by reading, refuses to migrate a directory that is a mount point, and a
/// create, activate, destroy changes nothing it was not asked to change (compared as text, before
/// and after, over every dataset of both pools but the new BE's).
/// </summary>
public abstract class ForeignLayouts<TBackend> where TBackend : IBackend
{
    public static TheoryData<string> Layouts => [.. ForeignLayout.All.Select(l => l.Title)];

    [Theory, MemberData(nameof(Layouts))]
    // Not in the OpenZFS guest: changes nothing; create, activate and destroy on each layout run there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Read_ForeignLayout_ListsItAsItIsWritesNothingAndCountsOwnDatasetsHealthy(string title)
    {
        await using var host = await LayoutHost.StartAsync<TBackend>(ForeignLayout.Named(title));
        var before = await host.ForeignTextAsync(except: null);

        var state = await host.Lab.StateAsync();
        var health = await host.Lab.Engine.GetSharedHealthAsync();

        var layout = host.Layout;
        var pool = host.Host.Pool;
        Assert.Equal(layout.Kind, state.Layout.Kind);
        var be = Assert.Single(state.BootEnvironments);
        Assert.Equal((layout.Be, true, true, true), (be.Name, be.IsBooted, be.IsActiveOnReboot, be.IsAdopted));
        Assert.Equal(layout.Kind switch { LayoutKind.Zsys => "zsys", LayoutKind.Illumos => "beadm", _ => null }, be.MadeBy);
        Assert.Equal(layout.ChildNames, be.Children.Select(c => c.RelativeName));
        Assert.Equal(layout.OwnDatasets(pool), state.Layout.OwnDatasets);
        var shared = layout.Kind == LayoutKind.Illumos ? [(null, $"{pool}/VARSHARE", "/var/share")] : new List<(string?, string, string?)>();
        shared.AddRange(layout.OwnDatasets(pool).Select(o => ((string?)o.Directory, o.Dataset, (string?)$"/var/{o.Directory}")));
        Assert.Equal(shared, state.SharedDatasets.Select(s => (s.Directory, s.Dataset, s.MountedAt)));
        var entry = Assert.Single(health.Entries);
        Assert.Equal(
            Layout.SharedDirectories.Select(d => state.Layout.OwnDatasetOf(d) is { } own ? (SharedDirState.OwnDataset, own) : (SharedDirState.NotMigrated, null)),
            entry.Directories.Select(d => (d.State, d.Dataset)));
        Assert.Equal(before, await host.ForeignTextAsync(except: null));
        if (host.BootPool is { } bootPool)
        {
            Assert.Contains($"{bootPool}/BOOT/{layout.Be} origin= mp=/boot mounted=True canmount=on", before, StringComparison.Ordinal);
            Assert.Equal("kernel\n", host.Lab.Read("/boot/vmlinuz"));
        }
    }

    [Theory, InlineData("debian-guide"), InlineData("freebsd"), InlineData("zsys")]
    // Not in the OpenZFS guest: changes nothing; create, activate and destroy on each layout run there.
    [Trait(OpenZfsGuest.Trait, OpenZfsGuest.LeftOut)]
    public async Task Migrate_BeWhoseVarLogIsADataset_RefusedAsMountPointBeforeAnythingChanges(string title)
    {
        await using var host = await LayoutHost.StartAsync<TBackend>(ForeignLayout.Named(title));
        await host.Lab.MustAsync(new InitShared());
        await host.Lab.MustAsync(new CreateBe("be2"));
        var before = await host.ForeignTextAsync(except: null);

        var migrate = await host.Lab.RunAsync(new MigrateShared("be2"));

        Assert.Equal(ErrorCode.DirectoryIsMountPoint, migrate.Error?.Code);
        Assert.Contains("/var/log of 'be2' is the mount point of ", migrate.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(before, await host.ForeignTextAsync(except: null));
    }

    [Theory, MemberData(nameof(Layouts))]
    public async Task CreateActivateDestroy_ForeignLayout_ChangesNothingItWasNotAskedTo(string title)
    {
        await using var host = await LayoutHost.StartAsync<TBackend>(ForeignLayout.Named(title));
        var booted = host.Layout.Be;
        var before = await host.ForeignTextAsync(except: "be2");

        await host.Lab.MustAsync(new CreateBe("be2"));
        Assert.Equal(before, await host.ForeignTextAsync(except: "be2"));
        await host.Lab.MustAsync(new ActivateBe("be2"));
        var be2 = (await host.Lab.StateAsync()).Find("be2")!;
        Assert.True(be2.IsActiveOnReboot);
        Assert.Equal(host.Layout.ChildNames, be2.Children.Select(c => c.RelativeName));
        await host.Lab.MustAsync(new ActivateBe(booted));
        await host.Lab.MustAsync(new DestroyBe("be2"));

        Assert.Equal(before, await host.ForeignTextAsync(except: "be2"));
        Assert.Equal([booted], (await host.Lab.StateAsync()).BootEnvironments.Select(b => b.Name));
    }

    [Theory, InlineData("debian-guide"), InlineData("illumos")]
    public async Task MountThenUnmount_ForeignLayoutBe_BindsItsSharedDatasetsReadOnlyAndPutsEverythingBack(string title)
    {
        await using var host = await LayoutHost.StartAsync<TBackend>(ForeignLayout.Named(title));
        await host.Lab.MustAsync(new CreateBe("be2"));
        var before = await host.ForeignTextAsync(except: null);
        var listing = await host.Lab.ListingAsync();

        await host.Lab.MustAsync(new MountBe("be2", "/a"));

        var shared = (await host.Lab.StateAsync()).SharedDatasets.Select(s => s.MountedAt!).ToList();
        Assert.NotEmpty(shared);
        Assert.Equal(shared.Select(s => ($"/a{s}", true)).Order(), (await host.Host.Mounts.ListAsync()).Select(b => (b.Target, b.ReadOnly)).Order());
        if (title == "debian-guide") Assert.Equal($"boot: {title}\n", host.Lab.Read("/a/var/log/messages"));
        await host.Lab.MustAsync(new UnmountBe("be2"));

        Assert.Equal(listing, await host.Lab.ListingAsync());
        Assert.Equal(before, await host.ForeignTextAsync(except: null));
    }

    [Fact]
    public async Task InitShared_Illumos_MakesNoVarsharedBesideVarshare()
    {
        await using var host = await LayoutHost.StartAsync<TBackend>(ForeignLayout.Illumos);
        var before = await host.ForeignTextAsync(except: null);

        var init = await host.Lab.MustAsync(new InitShared());

        Assert.Empty(init.Steps);
        Assert.Equal(before, await host.ForeignTextAsync(except: null));
    }
}

/// <summary>A host with a foreign layout built on a fresh pool, and the engine over it.</summary>
internal sealed class LayoutHost : IAsyncDisposable
{
    private LayoutHost(ITestHost host, ForeignLayout layout, string? bootPool)
    {
        Host = host;
        Layout = layout;
        BootPool = bootPool;
        Lab = EngineLab.Over(host);
    }

    public ITestHost Host { get; }
    public ForeignLayout Layout { get; }
    public string? BootPool { get; }
    public EngineLab Lab { get; }

    public static async Task<LayoutHost> StartAsync<TBackend>(ForeignLayout layout) where TBackend : IBackend
    {
        var host = await TBackend.CreateHostAsync();
        try
        {
            return new LayoutHost(host, layout, await layout.BuildAsync(host));
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Every file system of both pools (but those of BE <paramref name="except"/>) with its mount state,
    /// origin and every property the port reads, and on a real backend every property set on it
    /// (<c>zfs get all -s local</c>, any namespace); snapshots apart, and bootfs.
    /// </summary>
    public async Task<string> ForeignTextAsync(string? except)
    {
        var text = new StringBuilder();
        foreach (var pool in new[] { Host.Pool, BootPool }.OfType<string>())
        {
            var listing = await Host.Zfs.ListAsync(pool);
            text.AppendLine($"{pool} bootfs={listing.Pool.Bootfs}");
            foreach (var d in listing.Datasets.Where(d => !d.IsSnapshot && !IsExcepted(d.Name, except)).OrderBy(d => d.Name, StringComparer.Ordinal))
                text.AppendLine($"{d.Name} origin={d.Origin} mp={d.MountPoint} mounted={d.Mounted} canmount={d.CanMount} uuid={d.Uuid} " +
                                $"parent={d.ParentBe} active={d.Active} desc={d.Description} keep={d.Keep} next={d.NextBoot} made={d.ConsoleMade} " +
                                $"carry={d.CarryOver} by={d.MadeBy}");
            if (Host is ZfsFuseLab real)
                foreach (var line in (await real.LocalPropertiesAsync(pool)).Split('\n').Where(l => l.Length > 0 && !IsExcepted(l.Split('\t')[0], except)).Order(StringComparer.Ordinal))
                    text.AppendLine(line);
        }
        return text.ToString();
    }

    private bool IsExcepted(string name, string? except) =>
        name.Contains('@') || (except is not null && (name == $"{Host.Pool}/ROOT/{except}" || name.StartsWith($"{Host.Pool}/ROOT/{except}/", StringComparison.Ordinal)));

    public async ValueTask DisposeAsync()
    {
        await Lab.DisposeAsync();
        await Host.DisposeAsync();
    }
}

public sealed class ForeignLayoutsOnSimulator : ForeignLayouts<Simulated>;
public sealed class ForeignLayoutsOnZfsFuse : ForeignLayouts<ZfsFuse>;
