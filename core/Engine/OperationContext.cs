using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// What an operation may use while planning and running: the ports, the layout, the clock, and the
/// values a plan makes up (<see cref="Generated"/>).
/// </summary>
public sealed class OperationContext
{
    private GeneratedValues? _generated;

    public required IZfs Zfs { get; init; }
    public required IMounts Mounts { get; init; }
    public required IHostFiles Files { get; init; }
    public required Layout Layout { get; init; }
    public required EngineOptions Options { get; init; }
    public required TimeProvider Clock { get; init; }
    /// <summary>The host's reboot command; null where there is none (the host boots in process, or cannot be rebooted from here).</summary>
    public IHostReboot? Reboot { get; init; }
    /// <summary>The boot loader's files and variables; null where the loader needs none (none, ZFSBootMenu).</summary>
    public LoaderPorts? Loader { get; init; }
    /// <summary>An upgrade's staging mounts (ADR 0026); null where the host has none (upgrades are then refused).</summary>
    public IStagingMounts? Staging { get; init; }

    /// <summary>
    /// Where planning takes every name it makes up (time stamps, uuids, directory suffixes): never
    /// <see cref="Guid.NewGuid"/> or the clock directly, so a plan made again with the same values is
    /// the same plan. The engine gives each plan its own (<see cref="For"/>); a context without them
    /// makes fresh ones at each use, never one frozen time for its whole life.
    /// </summary>
    public GeneratedValues Generated
    {
        get => _generated ?? GeneratedValues.Fresh(Clock);
        init => _generated = value;
    }

    /// <summary>This context with <paramref name="generated"/> as the values one plan makes up.</summary>
    public OperationContext For(GeneratedValues generated, PoolListing? listing = null) => new()
    {
        Zfs = Zfs, Mounts = Mounts, Files = Files, Layout = Layout, Options = Options, Clock = Clock, Reboot = Reboot, Loader = Loader,
        Staging = Staging, Generated = generated, Listing = listing,
    };

    /// <summary>The listing the plan's state was read from (what the state does not carry: a loader's properties); null: list the pool.</summary>
    public PoolListing? Listing { get; init; }

    /// <summary>The listing the plan's state came from, or a new one.</summary>
    public async Task<PoolListing> ListingAsync(CancellationToken ct) => Listing ?? await Zfs.ListAsync(Options.Pool, ct);

    /// <summary>
    /// A plan step that runs one zfs command, undone by <paramref name="undo"/>; without one the step
    /// needs no undo of its own (what it changed goes with an earlier step's undo, e.g. a destroyed clone).
    /// After the point of no return nothing is undone any more, only finished: the step is journalled
    /// as the command to finish (<see cref="RollForward"/>) instead.
    /// </summary>
    public void AddZfs(Plan plan, string description, ZfsCommand command, ZfsCommand? undo = null) =>
        plan.Add(description, command.Argv, run => Zfs.ExecuteAsync(command, run.Ct),
            plan.PastNoReturn ? new RollForward(command) : undo is null ? new UndoNothing() : Undo.Zfs(undo));

    /// <summary>
    /// A step that cannot be taken back (destroy, rollback): after it the plan rolls forward, in
    /// process and, from the command journalled as <see cref="RollForward"/>, after a crash.
    /// </summary>
    public void AddIrreversibleZfs(Plan plan, string description, ZfsCommand command) =>
        plan.Add(description, command.Argv, run => Zfs.ExecuteAsync(command, run.Ct), new RollForward(command));

    /// <summary>
    /// A fresh, unguessable name for a private directory (mount points) inside the console's own
    /// directory (<see cref="EngineOptions.TempRoot"/>, 0700): no other user can reach what is mounted there.
    /// </summary>
    public string PrivateDirectory(string be) => $"{Options.TempRoot.TrimEnd('/')}/be-{be}.{Generated.NewSuffix()}";

    /// <summary>
    /// Refuses to plan mounts into <see cref="EngineOptions.TempRoot"/> when it exists and is not a
    /// directory with mode 0700 owned by the owner of the host root (root on a real host): someone
    /// else made it, or it is a link.
    /// </summary>
    public void CheckPrivateRoot()
    {
        var root = Options.TempRoot;
        var status = Files.Stat(root);
        if (status is null) return; // made 0700 by the first mount's step
        if (status.Kind != Host.FileKind.Directory || status.Mode != (int)FileSteps.Private || status.Uid != Files.Stat("/")?.Uid)
            throw new OperationRefusedException(new(ErrorCode.UnsafePath,
                $"{root} must be a directory of the console's user with mode 0700; it is a {status.Kind} owned by uid {status.Uid} " +
                $"with mode {Convert.ToString(status.Mode, 8)}. Remove it, or set SnapUpgrade:TempRoot elsewhere."));
    }

    /// <summary>The plan's time stamp (snapshot names): the same for every call within one plan.</summary>
    public string Timestamp() => Generated.Timestamp();
}
