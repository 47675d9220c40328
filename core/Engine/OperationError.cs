namespace SnapUpgrade.Core.Engine;

/// <summary>The closed set of reasons an operation is refused or fails. Stable: the API's <c>code</c>.</summary>
public enum ErrorCode
{
    InvalidName,
    /// <summary>A BE description too long or with control characters (it is shown in tables and audit rows).</summary>
    InvalidDescription,
    NotFound,
    AlreadyExists,
    InvalidSource,
    NoBootedBe,
    BeIsBooted,
    BeIsActiveOnReboot,
    BeIsMounted,
    BeNotMounted,
    BeIsKept,
    DependentMounted,
    SnapshotNotFound,
    SnapshotHasClones,
    LaterSnapshotsExist,
    ZoneNotFound,
    ZoneExists,
    SharedMissing,
    InvalidPath,
    /// <summary>A path met a link (or a non-directory) the console will not follow; nothing changed.</summary>
    UnsafePath,
    /// <summary>Migrating the booted BE in place would lose live writes: migrate a new BE instead.</summary>
    MigrateBootedBe,
    /// <summary>A zone's dataset sits below the BE's root: a rename or destroy of the tree would take it along.</summary>
    ZoneDataBelowBe,
    /// <summary>Keep or Go back asked of a BE that is not on trial (or already kept).</summary>
    NotOnTrial,
    /// <summary>A directory migration would move is a mount point (a dataset of its own, or any mount): left alone.</summary>
    DirectoryIsMountPoint,
    NotSupported,
    /// <summary>An upgrade's BE whose package command is still running, or failed: it is not activated until an admin clears it.</summary>
    UpgradeNotFinished,
    /// <summary>The configured boot loader cannot boot a BE once only (ZFSBootMenu; none on a real host).</summary>
    OneShotUnsupported,
    /// <summary>The boot loader still holds the one-shot boot the console marked: it has not been used.</summary>
    OneShotNotUsed,
    Forbidden,
    Busy,
    /// <summary>Another console process runs the engine of this pool: this one changes nothing.</summary>
    OtherConsole,
    /// <summary>A reviewed plan (its token) no longer matches the host: planned again, it differs; nothing ran.</summary>
    PlanChanged,
    /// <summary>A plan token this engine did not issue (malformed, altered, from before a restart) or one that already ran.</summary>
    InvalidPlanToken,
    OperationFailed,
}

/// <summary>An expected failure: a closed code and a sentence a person can act on.</summary>
public sealed record OperationError(ErrorCode Code, string Message)
{
    public override string ToString() => $"{Code}: {Message}";

    /// <summary>A short title for the code (problem-details title, UI headings).</summary>
    public static string Title(ErrorCode code) => code switch
    {
        ErrorCode.InvalidName => "Invalid name",
        ErrorCode.InvalidDescription => "Invalid description",
        ErrorCode.NotFound => "No such boot environment",
        ErrorCode.AlreadyExists => "Already exists",
        ErrorCode.InvalidSource => "Invalid source",
        ErrorCode.NoBootedBe => "No booted boot environment",
        ErrorCode.BeIsBooted => "Boot environment is booted",
        ErrorCode.BeIsActiveOnReboot => "Boot environment is active on reboot",
        ErrorCode.BeIsMounted => "Boot environment is mounted",
        ErrorCode.BeNotMounted => "Boot environment is not mounted",
        ErrorCode.BeIsKept => "Boot environment is kept",
        ErrorCode.DependentMounted => "A clone of it is mounted",
        ErrorCode.SnapshotNotFound => "No such snapshot",
        ErrorCode.SnapshotHasClones => "Snapshot has clones",
        ErrorCode.LaterSnapshotsExist => "Later snapshots exist",
        ErrorCode.ZoneNotFound => "No such zone",
        ErrorCode.ZoneExists => "Zone exists",
        ErrorCode.SharedMissing => "Shared dataset missing",
        ErrorCode.InvalidPath => "Invalid path",
        ErrorCode.UnsafePath => "Unsafe path",
        ErrorCode.MigrateBootedBe => "Migrate by way of a new boot environment",
        ErrorCode.ZoneDataBelowBe => "Zone data below the boot environment",
        ErrorCode.NotOnTrial => "Not on trial",
        ErrorCode.DirectoryIsMountPoint => "Directory is a mount point",
        ErrorCode.NotSupported => "Not supported here",
        ErrorCode.UpgradeNotFinished => "The upgrade did not finish",
        ErrorCode.OneShotUnsupported => "No one-shot boot with this boot loader",
        ErrorCode.OneShotNotUsed => "The one-shot boot is still to come",
        ErrorCode.Forbidden => "Not allowed for this role",
        ErrorCode.Busy => "Busy",
        ErrorCode.OtherConsole => "Another console runs this host",
        ErrorCode.PlanChanged => "The host changed since the review",
        ErrorCode.InvalidPlanToken => "Invalid plan token",
        ErrorCode.OperationFailed => "Operation failed",
        _ => code.ToString(),
    };
}
