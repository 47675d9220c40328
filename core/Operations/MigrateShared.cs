using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// Moves a BE's (and its zone BEs') real /var/adm, /var/log, /var/mail, /var/spool into the shared
/// datasets and replaces each by the relative link <c>shared/&lt;dir&gt;</c>. Only a BE that is not
/// booted (nothing writes there): the booted one migrates by way of a new BE (create, migrate,
/// activate, reboot), and the first start of the new BE carries over what the old one wrote after
/// the clone point (<see cref="CarryOver"/>). Each directory is copied with rsync, verified by
/// content and merged (a name that exists in the shared dataset keeps its file; the other goes side
/// by side as <c>name.&lt;be&gt;</c>); the original is not deleted but kept aside inside the BE at
/// <c>/var/.snapupgrade/migrated/&lt;dir&gt;</c> until the admin removes it.
/// </summary>
public sealed record MigrateShared(string Name) : IOperation
{
    /// <summary>Where a migrated BE keeps its original directories (0700), relative to its root.</summary>
    public const string KeptAside = "/var/.snapupgrade/migrated";

    public string Action => "migrate-shared";
    public string? Target => Name;

    public OperationError? Validate(HostState state)
    {
        if (Checks.Existing(state, Name, out var be) is { } error) return error;
        if (be.IsBooted)
            return new(ErrorCode.MigrateBootedBe,
                $"'{Name}' is booted: migrating it in place would lose what its services write meanwhile. " +
                $"Create a boot environment from it, migrate that one, activate it and reboot; its first start " +
                $"carries over what '{Name}' wrote after the clone.");
        if (MountPointDirectories(state, be).FirstOrDefault() is { } mountPoint)
            return new(ErrorCode.DirectoryIsMountPoint,
                $"/var/{mountPoint.Directory} of '{Name}' is the mount point of {mountPoint.Dataset}: migration never touches a directory " +
                "that is a mount point. " + (mountPoint.Dataset.StartsWith(be.Dataset + "/", StringComparison.Ordinal)
                    ? "That dataset is part of the boot environment; its content stays with it."
                    : "It is shared by its own dataset already; nothing to migrate there."));
        var sharedDataset = new Layout(state.Pool).SharedDataset;
        if (state.SharedDatasets.FirstOrDefault(s => s.Dataset == sharedDataset) is not { MountedAt: Layout.SharedMountPoint })
            return new(ErrorCode.SharedMissing, $"{state.Pool}/VARSHARED is missing or not mounted at {Layout.SharedMountPoint}; run shared init first.");
        var zone = be.ZoneBes.Select(zb => state.FindZone(zb.Zone)!).FirstOrDefault(z => z.Shared?.MountedAt is null);
        return zone is null
            ? null
            : new(ErrorCode.SharedMissing, $"Zone '{zone.Name}' has no mounted shared dataset ({state.Pool}/zones/{zone.Name}/VARSHARED); run shared init, and boot the zone's BE.");
    }

    /// <summary>
    /// The fixed directories of a BE that a dataset mounts at: one outside ROOT (shared by its own
    /// dataset, as distribution guides lay out) or one of the BE's own children (zsys' var/log).
    /// </summary>
    private static IEnumerable<SharedByDataset> MountPointDirectories(HostState state, BootEnvironment be) =>
        Layout.SharedDirectories.Select(dir =>
            state.Layout.OwnDatasetOf(dir) is { } own ? new SharedByDataset(dir, own)
            : be.Children.FirstOrDefault(c => c.RelativeName == $"var/{dir}" && c.CanMount != "off") is { } child ? new SharedByDataset(dir, child.Dataset)
            : null).OfType<SharedByDataset>();

    public async Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var be = state.Find(Name)!;
        if (be.MountedAt is { } mountedAt) await RefuseMountPointsAsync(context, mountedAt, ct);
        var plan = new Plan();
        var mounts = new TemporaryMount(readOnlyUse: false);
        var copies = new SharedCopy(context, plan, Name);
        var directories = new List<DirectoryMigration>();
        var root = mounts.Plan(context, plan, Name, be.Dataset, be.MountedAt, "/");
        directories.AddRange(Layout.SharedDirectories.Select(dir =>
            new DirectoryMigration(context, plan, copies, Name, root, Layout.SharedMountPoint, dir)));
        foreach (var zoneBe in be.ZoneBes)
        {
            var zoneRoot = mounts.Plan(context, plan, $"{zoneBe.Zone}-{Name}", zoneBe.Dataset, zoneBe.MountedAt, Layout.ZoneRoot(zoneBe.Zone));
            var shared = state.FindZone(zoneBe.Zone)!.Shared!.MountedAt!;
            directories.AddRange(Layout.SharedDirectories.Select(dir =>
                new DirectoryMigration(context, plan, copies, $"{Name} (zone {zoneBe.Zone})", zoneRoot, shared, dir)));
        }
        mounts.Release(plan);
        PlanCarryOverMark(context, plan, state, be, () => directories.Any(d => d.Moved));
        copies.PlanCleanup();
        return plan;
    }

    /// <summary>
    /// A BE the user mounted may have anything mounted inside it (a bind, a tmpfs): a fixed directory on
    /// another device than its /var, or a bind's target, is a mount point, and the migration is refused
    /// before anything changes. A BE the console mounts itself, in its private directory, has only its
    /// own children there, which <see cref="Validate"/> already looked at.
    /// </summary>
    private static async Task RefuseMountPointsAsync(OperationContext context, string root, CancellationToken ct)
    {
        var binds = (await context.Mounts.ListAsync(ct)).Select(b => b.Target).ToHashSet(StringComparer.Ordinal);
        var parent = context.Files.Stat(Layout.Under(root, "/var"));
        foreach (var dir in Layout.SharedDirectories)
        {
            var path = Layout.Under(root, $"/var/{dir}");
            var status = context.Files.GetKind(path) == FileKind.Directory ? context.Files.Stat(path) : null;
            if (binds.Contains(path) || (status is not null && parent is not null && status.Device != parent.Device))
                throw new OperationRefusedException(new(ErrorCode.DirectoryIsMountPoint,
                    $"{path} is a mount point: migration never touches a directory that is a mount point. Unmount it first."));
        }
    }

    /// <summary>
    /// When a real directory was moved: the BE remembers the BE it was cloned from, whose writes after
    /// the clone its first start carries over.
    /// </summary>
    private static void PlanCarryOverMark(OperationContext context, Plan plan, HostState state, BootEnvironment be, Func<bool> moved)
    {
        var origin = be.Origin is { } o ? state.BootEnvironments.FirstOrDefault(b => b.Dataset == o[..o.IndexOf('@')]) : null;
        if (origin?.Uuid is not { } uuid || be.CarryOverFrom == uuid) return;
        var set = new ZfsSet(be.Dataset, UserProperties.CarryOver, uuid);
        plan.Add($"when something moved: remember to carry over what {origin.Name} writes after the clone, at the first start of {be.Name}",
            set.Argv, async run =>
            {
                if (!moved()) return;
                await run.WillAsync(Undo.Zfs(be.CarryOverFrom is null
                    ? new ZfsInherit(be.Dataset, UserProperties.CarryOver)
                    : new ZfsSet(be.Dataset, UserProperties.CarryOver, be.CarryOverFrom)));
                await context.Zfs.ExecuteAsync(set, run.Ct);
                plan.Report.Add($"On its first start, {be.Name} carries over into the shared datasets what {origin.Name} wrote after the clone point.");
            }, new UndoNothing());
    }
}

/// <summary>
/// One fixed directory of one BE root: what to do is decided when the steps run (the BE may be
/// mounted by an earlier step), then copy, verify, merge, keep the original aside, link.
/// </summary>
internal sealed class DirectoryMigration
{
    private readonly IHostFiles _files;
    private readonly string _source;
    private SharedDirState? _state;

    public DirectoryMigration(OperationContext context, Plan plan, SharedCopy copies, string label, string root, string shared, string dir)
    {
        _files = context.Files;
        _source = Layout.Under(root, $"/var/{dir}");
        var destination = $"{shared}/{dir}";
        var link = SharedLinks.Target(dir);
        var keptAside = Layout.Under(root, MigrateShared.KeptAside);

        plan.Add($"look at {_source}", ["stat", _source], _ =>
        {
            var kind = _files.GetKind(_source);
            _state = SharedLinks.Classify(kind, kind == FileKind.Symlink ? _files.ReadLink(_source) : null, dir);
            if (_state == SharedDirState.Wrong)
                plan.Report.Add($"{label}: {_source} is neither a directory nor the link {link}; left alone.");
            return Task.CompletedTask;
        }, new UndoNothing());
        plan.Add($"if {_source} is missing and {destination} too: make {destination}", ["mkdir", destination], async run =>
        {
            if (_state == SharedDirState.Missing)
                await FileSteps.CreateDirectoriesAsync(_files, run, destination, (UnixFileMode)0x1ED); // 0755
        }, new UndoNothing());
        copies.Plan(label, _source, shared, destination, () => _state == SharedDirState.NotMigrated);
        plan.Add($"keep the original {_source} aside in {keptAside}", ["mv", "-T", "--no-clobber", _source, $"{keptAside}/{dir}"], async run =>
        {
            if (_state != SharedDirState.NotMigrated) return;
            await FileSteps.CreateDirectoriesAsync(_files, run, keptAside, FileSteps.Private);
            var aside = $"{keptAside}/{dir}";
            for (var n = 2; _files.GetKind(aside) != FileKind.Missing; n++) aside = $"{keptAside}/{dir}.{n}";
            await run.WillAsync(new UndoRename(_source, aside, _files.Stat(_source)!.Identity));
            _files.Rename(_source, aside);
            Moved = true;
            plan.Report.Add($"{label}: the original {_source} is kept at {aside} (remove it when you no longer need it).");
        }, new UndoNothing());
        plan.Add($"link {_source} -> {link}", ["ln", "-s", link, _source], async run =>
        {
            if (_state is not (SharedDirState.NotMigrated or SharedDirState.Missing)) return;
            await run.WillAsync(new UndoRemoveLink(_source, link));
            _files.CreateSymlink(_source, link);
            plan.Report.Add($"{label}: {_source} is now the link {link}");
        }, new UndoNothing());
    }

    /// <summary>True once the original directory was moved aside (its content is in the shared dataset).</summary>
    public bool Moved { get; private set; }
}
