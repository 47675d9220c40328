namespace SnapUpgrade.Core.Zfs;

/// <summary>The console's ZFS user properties; the namespace keeps them apart from anyone else's.</summary>
public static class UserProperties
{
    public const string Namespace = "org.snapupgrade:";
    public const string Uuid = Namespace + "uuid";
    public const string ParentBe = Namespace + "parentbe";
    public const string Active = Namespace + "active";
    public const string Description = Namespace + "description";
    public const string Keep = Namespace + "keep";
    public const string NextBoot = Namespace + "nextboot";
    /// <summary>
    /// On a BE activated for the next boot only: a trial (<see cref="Model.TrialState"/>). "pending" until the
    /// trial is decided, "failed" when its health command did not pass; gone once it is kept (a
    /// persistent activation) or the user goes back.
    /// </summary>
    public const string Trial = Namespace + "trial";
    public const string TrialPending = "pending";
    public const string TrialFailed = "failed";
    /// <summary>
    /// Set on the snapshots the console took for itself (e.g. the origin of a new BE) and the file
    /// systems it made, on the very command that makes them (<c>-o</c>): recovery and cleanup find
    /// them by it. Snapshots a user asks for are the user's, and carry no mark.
    /// </summary>
    public const string ConsoleMade = Namespace + "made";

    /// <summary>The <c>-o</c> that marks what a command makes as the console's own.</summary>
    public static IReadOnlyDictionary<string, string> ConsoleMadeMark { get; } = new Dictionary<string, string> { [ConsoleMade] = "on" };
    /// <summary>
    /// Set on a BE by a migration: the uuid of the BE it was cloned from, whose writes after the
    /// clone point the first start of this BE carries over into the shared datasets, once.
    /// </summary>
    public const string CarryOver = Namespace + "carryover";

    /// <summary>
    /// On the pool's root dataset: the audit chain's head (<c>database-id:row:hash</c>), anchored
    /// outside the audit database so that rows cut off its end are caught (<c>IAuditAnchor</c>).
    /// </summary>
    public const string AuditHead = Namespace + "audit-head";

    /// <summary>
    /// Not the console's: ZFSBootMenu's kernel command line of a BE (its own or inherited), which
    /// activation copies from the booted BE to a BE without one.
    /// </summary>
    public const string ZbmCommandLine = "org.zfsbootmenu:commandline";

    /// <summary>
    /// On a BE made by an upgrade (ADR 0026): "running" while it is staged and its package command runs,
    /// "staged" when the command passed and its shared-directory writes wait in the BE, "failed" when it
    /// did not (or the console stopped half-way): such a BE is never activated until an admin clears it.
    /// </summary>
    public const string Upgrade = Namespace + "upgrade";
    public const string UpgradeRunning = "running";
    public const string UpgradeStaged = "staged";
    public const string UpgradeFailed = "failed";
    /// <summary>Its staged writes were applied to the shared data at its first start (the staged tree and the base snapshot stay).</summary>
    public const string UpgradeApplied = "applied";

    public static readonly IReadOnlyList<string> All = [Uuid, ParentBe, Active, Description, Keep, NextBoot, Trial, ConsoleMade, CarryOver, AuditHead, Upgrade];
}
