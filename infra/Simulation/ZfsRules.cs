using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// What zfs checks before it touches anything (names, native and user properties) and how it
/// words a refusal: a <see cref="ZfsCommandException"/> with the command's argv, exit 1 (2 for a
/// usage error) and zfs's own message. Stateless.
/// </summary>
internal static class ZfsRules
{
    /// <summary>Native properties the simulator knows, with the values each accepts (null: any).</summary>
    private static readonly Dictionary<string, string[]?> NativeProperties = new(StringComparer.Ordinal)
    {
        ["mountpoint"] = null,
        ["canmount"] = ["on", "off", "noauto"],
        ["readonly"] = ["on", "off"],
        ["atime"] = ["on", "off"],
        ["compression"] = ["on", "off", "lzjb", "gzip", "lz4", "zle"],
        // Kept and shown; mounts do not model them (an upgrade's base clone sets them: ADR 0026).
        ["setuid"] = ["on", "off"],
        ["devices"] = ["on", "off"],
        ["exec"] = ["on", "off"],
    };

    private static readonly HashSet<string> ReadOnlyNativeProperties =
        ["type", "creation", "used", "referenced", "available", "origin", "mounted", "written", "clones", "guid"];

    public static bool IsUserProperty(string name) => name.Contains(':');

    public static bool IsNative(string name) => NativeProperties.ContainsKey(name);

    public static bool IsReadOnlyNative(string name) => ReadOnlyNativeProperties.Contains(name);

    public static bool IsPath(string? mountPoint) => mountPoint is not null && mountPoint.StartsWith('/');

    public static string PoolOf(string name) => name.Split('/', '@')[0];

    public static Dictionary<string, string> CheckProperties(ZfsCommand c, IReadOnlyDictionary<string, string>? props,
        bool snapshot, string what)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in props ?? new Dictionary<string, string>())
            result[name] = CheckProperty(c, name, value, snapshot, what);
        return result;
    }

    /// <summary>The value as stored (a mountpoint normalised), or a zfs-like failure.</summary>
    public static string CheckProperty(ZfsCommand c, string name, string value, bool snapshot, string what)
    {
        if (string.IsNullOrEmpty(name)) throw Usage(c, "missing property name");
        if (IsUserProperty(name))
        {
            if (name.StartsWith(':') || name.Length > 256) throw Fail(c, $"{what}: invalid property '{name}'");
            return value;
        }
        if (ReadOnlyNativeProperties.Contains(name)) throw Fail(c, $"{what}: '{name}' is readonly");
        if (!NativeProperties.TryGetValue(name, out var allowed)) throw Fail(c, $"{what}: invalid property '{name}'");
        if (snapshot) throw Fail(c, $"{what}: this property can not be modified for snapshots");
        if (allowed is not null && !allowed.Contains(value))
            throw Fail(c, $"{what}: '{name}' must be one of '{string.Join(" | ", allowed)}'");
        if (name != "mountpoint") return value;
        if (value is "none" or "legacy") return value;
        if (!value.StartsWith('/')) throw Fail(c, $"{what}: 'mountpoint' must be an absolute path, 'none', or 'legacy'");
        return HostPath.Normalize(value);
    }

    public static void CheckComponent(ZfsCommand c, string component, string what)
    {
        if (component.Length == 0) throw Fail(c, $"{what}: empty component or misplaced '@' or '#' delimiter in name");
        var bad = component.FirstOrDefault(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-' or '.' or ':'));
        if (bad != default) throw Fail(c, $"{what}: invalid character '{bad}' in name");
        if (component.Length > 255) throw Fail(c, $"{what}: name is too long");
    }

    /// <summary>Checks that <paramref name="name"/> can be created as a new file system: valid, absent, parent present.</summary>
    public static void CheckNewFileSystem(this DatasetTable datasets, ZfsCommand c, string name, string what)
    {
        if (name.Contains('@')) throw Fail(c, $"{what}: snapshot delimiter '@' is not expected here");
        foreach (var component in name.Split('/')) CheckComponent(c, component, what);
        var pool = PoolOf(name);
        if (!datasets.Pools.ContainsKey(pool)) throw Fail(c, $"{what}: no such pool '{pool}'");
        if (datasets.Contains(name)) throw Fail(c, $"{what}: dataset already exists");
        var parent = name[..Math.Max(0, name.LastIndexOf('/'))];
        if (!datasets.Contains(parent)) throw Fail(c, $"{what}: parent does not exist");
    }

    /// <summary>The dataset <paramref name="name"/>, or zfs's "does not exist".</summary>
    public static SimDataset Existing(this DatasetTable datasets, ZfsCommand c, string name) =>
        datasets.Find(name) ?? throw Fail(c, $"cannot open '{name}': dataset does not exist");

    /// <summary>What zfs-fuse prints when umount(8) refuses (measured).</summary>
    public static string Busy(string mountPoint) =>
        $"umount: {mountPoint}: target is busy.\ncannot unmount '{mountPoint}': umount failed";

    public static string Names(IEnumerable<SimDataset> datasets) => string.Join('\n', datasets.Select(d => d.Name));

    public static ZfsCommandException Fail(ZfsCommand c, string stderr) => new(c.Argv, 1, stderr + "\n");

    public static ZfsCommandException Usage(ZfsCommand c, string stderr) => new(c.Argv, 2, stderr + "\n");
}
