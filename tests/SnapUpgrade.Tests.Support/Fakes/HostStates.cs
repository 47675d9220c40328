using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Tests.Support.Fakes;

/// <summary>Builders of host states for tests of what sits on the engine (pages, the watcher): small, explicit, no IO.</summary>
public static class HostStates
{
    /// <summary>When the demo host and its shared health were read ("now" for a clock that stands still).</summary>
    public static DateTimeOffset T0 { get; } = new(2026, 1, 10, 9, 0, 0, TimeSpan.Zero);

    public static BootEnvironment Be(string name, bool booted = false, bool onReboot = false, bool nextBoot = false,
        string? description = null, IReadOnlyList<ZoneBe>? zoneBes = null, int day = 0) => new()
        {
            Name = name, Dataset = $"rpool/ROOT/{name}", Uuid = $"uuid-{name}", Description = description,
            IsBooted = booted, IsActiveOnReboot = onReboot, IsNextBoot = nextBoot, Created = T0.AddDays(day),
            Used = 1536L * 1024 * 1024, Referenced = 2L * 1024 * 1024 * 1024, MountedAt = booted ? "/" : null,
            MountPoint = "/", Snapshots = [], ZoneBes = zoneBes ?? [],
        };

    /// <summary>
    /// A host with a BE per update (issue 13): be1 ... be{count}, each a minute newer than the one before, so creation
    /// order and name order differ and an ordinal sort (be1, be10, be100, ...) would show; be1 is booted and active.
    /// </summary>
    public static HostState Numbered(int count) => With([.. Enumerable.Range(1, count).Select(NumberedBe)]);

    /// <summary>be{i} of <see cref="Numbered"/>.</summary>
    public static BootEnvironment NumberedBe(int i) => Be($"be{i}", booted: i == 1, onReboot: i == 1) with { Created = T0.AddMinutes(i) };

    public static ZoneBe ZoneBe(string zone, string name, string? parent, bool active) => new()
    {
        Zone = zone, Name = name, Dataset = $"rpool/zones/{zone}/ROOT/{name}", ParentBe = $"uuid-{parent ?? "gone"}",
        ParentBeName = parent, Active = active, Snapshots = [],
    };

    public static HostState With(params BootEnvironment[] bes) => new()
    {
        Pool = "rpool", PoolHealth = "ONLINE", PoolSize = 20L << 30, PoolAllocated = 5L << 30, PoolFree = 15L << 30,
        Bootfs = bes.FirstOrDefault(b => b.IsActiveOnReboot)?.Dataset, BootEnvironments = bes, Zones = [],
        SharedDatasets = [new SharedDataset(null, "rpool/VARSHARED", "/var/shared", "/var/shared", 1 << 20, 1 << 20)],
        HasBeContainer = true, ReadAt = T0,
    };

    /// <summary>Like the simulator's demo host: one booted, another active on reboot, a third idle.</summary>
    public static HostState Demo()
    {
        var web1 = ZoneBe("web", "be-2026-01", "be-2026-01", active: true);
        var web2 = ZoneBe("web", "be-2026-02", "be-2026-02", active: false);
        var orphan = ZoneBe("web", "old", parent: null, active: false);
        var state = With(
            Be("be-2026-01", booted: true, description: "January", zoneBes: [web1]),
            Be("be-2026-02", onReboot: true, description: "February", zoneBes: [web2], day: 30),
            Be("be-test", description: "scratch", day: 40));
        return state with
        {
            Zones = [new Zone { Name = "web", Dataset = "rpool/zones/web", ZonePath = "/zones/web", BootEnvironments = [web1, web2, orphan] }],
        };
    }

    /// <summary>
    /// As the engine reads it, never mounting anything: the booted BE read now (it is mounted); be-test
    /// as a check found it 12 minutes earlier; be-2026-02 never checked; the zone BE unreadable.
    /// </summary>
    public static SharedHealthReport DemoHealth() => new(
    [
        new BeSharedHealth("be-2026-01", null, "rpool/ROOT/be-2026-01", Dirs(SharedDirState.Ok), CheckedAt: T0),
        new BeSharedHealth("be-2026-02", null, "rpool/ROOT/be-2026-02", []),
        new BeSharedHealth("be-test", null, "rpool/ROOT/be-test", Dirs(SharedDirState.NotMigrated), CheckedAt: T0.AddMinutes(-12)),
        new BeSharedHealth("be-2026-01", "web", "rpool/zones/web/ROOT/be-2026-01", [], Error: "not mounted"),
    ], T0);

    /// <summary>What a check of the demo host finds a minute later: every BE read, be-2026-02 migrated.</summary>
    public static SharedHealthReport CheckedHealth() => new(
    [
        new BeSharedHealth("be-2026-01", null, "rpool/ROOT/be-2026-01", Dirs(SharedDirState.Ok), CheckedAt: T0.AddMinutes(1)),
        new BeSharedHealth("be-2026-02", null, "rpool/ROOT/be-2026-02", Dirs(SharedDirState.Ok), CheckedAt: T0.AddMinutes(1)),
        new BeSharedHealth("be-test", null, "rpool/ROOT/be-test", Dirs(SharedDirState.NotMigrated), CheckedAt: T0.AddMinutes(1)),
        new BeSharedHealth("be-2026-01", "web", "rpool/zones/web/ROOT/be-2026-01", Dirs(SharedDirState.Ok), CheckedAt: T0.AddMinutes(1)),
    ], T0.AddMinutes(1));

    private static IReadOnlyList<SharedDirHealth> Dirs(SharedDirState state) =>
        [.. Layout.SharedDirectories.Select(d => new SharedDirHealth(d, state, state == SharedDirState.Ok ? $"shared/{d}" : null))];
}
