using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Core.Steps;

/// <summary>
/// Reads the fixed shared directories of BEs and zone BEs: what is at <c>var/&lt;dir&gt;</c> under a
/// root, by lstat and readlink only (nothing is followed or opened).
/// </summary>
public static class SharedReader
{
    /// <summary>One BE or zone BE to read, and where it is mounted now (null: not mounted).</summary>
    /// <param name="Layout">The pool's layout: a global BE's fixed directory that a dataset outside ROOT
    /// mounts at is shared by that dataset; null for a zone BE (its directories are its own).</param>
    public sealed record Target(string Be, string? Zone, string Dataset, string? MountedAt, string MountPoint, HostLayout? Layout = null)
    {
        public string Label => Zone is null ? Be : $"{Zone}-{Be}";
    }

    public static IEnumerable<Target> Targets(HostState state) =>
        state.BootEnvironments.Select(b => new Target(b.Name, null, b.Dataset, b.IsBooted ? "/" : b.MountedAt, "/", state.Layout))
            .Concat(state.Zones.SelectMany(z => z.BootEnvironments)
                .Select(zb => new Target(zb.Name, zb.Zone, zb.Dataset, zb.MountedAt, Layout.ZoneRoot(zb.Zone))));

    /// <summary>The target's directories as they are under <paramref name="root"/>; a read that fails is the entry's error.</summary>
    public static BeSharedHealth Read(IHostFiles files, Target target, string root, DateTimeOffset now)
    {
        try
        {
            var dirs = Layout.SharedDirectories.Select(d => ReadOne(files, Layout.Under(root, $"/var/{d}"), d, target.Layout?.OwnDatasetOf(d))).ToList();
            return new BeSharedHealth(target.Be, target.Zone, target.Dataset, dirs, CheckedAt: now);
        }
        catch (IOException ex)
        {
            return new BeSharedHealth(target.Be, target.Zone, target.Dataset, [], ex.Message, now);
        }
    }

    /// <param name="ownDataset">The dataset outside ROOT that mounts at this directory, if any: in the booted BE
    /// the directory is its mount point, in another BE the (empty or absent) place where it will mount.</param>
    private static SharedDirHealth ReadOne(IHostFiles files, string path, string dir, string? ownDataset)
    {
        var kind = files.GetKind(path);
        var link = kind == FileKind.Symlink ? files.ReadLink(path) : null;
        return ownDataset is not null && kind is FileKind.Directory or FileKind.Missing
            ? new SharedDirHealth(dir, SharedDirState.OwnDataset, null, ownDataset)
            : new SharedDirHealth(dir, SharedLinks.Classify(kind, link, dir), link);
    }
}
