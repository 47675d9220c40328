namespace SnapUpgrade.Infra.Host;

/// <summary>One line of <c>/proc/self/mountinfo</c> (proc(5)), with the octal escapes decoded.</summary>
/// <param name="Root">The directory of the mounted file system that appears at <paramref name="MountPoint"/>
/// ("/" for a normal mount; a bind of a subdirectory shows that subdirectory).</param>
/// <param name="Device">"major:minor"; every bind of a file system shares its device.</param>
/// <param name="ReadOnly">From the per-mount options (a read-only bind of a read-write file system is "ro" here).</param>
public sealed record MountInfoEntry(int Id, int ParentId, string Device, string Root, string MountPoint,
    bool ReadOnly, string FsType, string Source);
