namespace SnapUpgrade.Web.Api;

// The JSON bodies of the API. Unknown members, a missing required member and wrong types are 400s
// (ApiExtensions: JsonUnmappedMemberHandling.Disallow, required constructor parameters respected).

public sealed record CreateBeRequest(string Name, string? Source = null, string? Description = null);

public sealed record ActivateRequest(bool Temporary = false, bool Reboot = false);

public sealed record RenameRequest(string NewName);

public sealed record MountRequest(string? Path = null, bool SharedReadWrite = false);

public sealed record SnapshotRequest(string? Snapshot = null);

public sealed record RollbackRequest(string Snapshot, bool DestroyLaterSnapshots = false);

public sealed record CreateZoneRequest(string Name);

/// <param name="Activate">"Upgrade now and activate on success": activate the new BE for the next boot when the command passed.</param>
public sealed record StartUpgradeRequest(string Name, string? Source = null, string? Description = null, bool Activate = false);
