using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Simulation;

// Native and user properties: validation, inheritance of mountpoint, set and inherit with remounts.
public sealed partial class SimulatedZfs
{
    /// <summary>Native properties the simulator knows, with the values each accepts (null: any).</summary>
    private static readonly Dictionary<string, string[]?> s_native = new(StringComparer.Ordinal)
    {
        ["mountpoint"] = null,
        ["canmount"] = ["on", "off", "noauto"],
        ["readonly"] = ["on", "off"],
        ["atime"] = ["on", "off"],
        ["compression"] = ["on", "off", "lzjb", "gzip", "lz4", "zle"],
    };

    private static readonly HashSet<string> s_readOnlyNative =
        ["type", "creation", "used", "referenced", "available", "origin", "mounted", "written", "clones", "guid"];

    private static bool IsUserProperty(string name) => name.Contains(':');

    private static bool IsPath(string? mountPoint) => mountPoint is not null && mountPoint.StartsWith('/');

    private static Dictionary<string, string> CheckProperties(ZfsCommand c, IReadOnlyDictionary<string, string>? props,
        bool snapshot, string what)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in props ?? new Dictionary<string, string>())
            result[name] = CheckProperty(c, name, value, snapshot, what);
        return result;
    }

    /// <summary>The value as stored (a mountpoint normalised), or a zfs-like failure.</summary>
    private static string CheckProperty(ZfsCommand c, string name, string value, bool snapshot, string what)
    {
        if (string.IsNullOrEmpty(name)) throw Usage(c, "missing property name");
        if (IsUserProperty(name))
        {
            if (name.StartsWith(':') || name.Length > 256) throw Fail(c, $"{what}: invalid property '{name}'");
            return value;
        }
        if (s_readOnlyNative.Contains(name)) throw Fail(c, $"{what}: '{name}' is readonly");
        if (!s_native.TryGetValue(name, out var allowed)) throw Fail(c, $"{what}: invalid property '{name}'");
        if (snapshot) throw Fail(c, $"{what}: this property can not be modified for snapshots");
        if (allowed is not null && !allowed.Contains(value))
            throw Fail(c, $"{what}: '{name}' must be one of '{string.Join(" | ", allowed)}'");
        if (name != "mountpoint") return value;
        if (value is "none" or "legacy") return value;
        if (!value.StartsWith('/')) throw Fail(c, $"{what}: 'mountpoint' must be an absolute path, 'none', or 'legacy'");
        return HostPath.Normalize(value);
    }

    /// <summary>
    /// The mountpoint as zfs reports it: the local value, else the parent's with "/name" appended
    /// ("none" and "legacy" are inherited as they are); a pool's root defaults to "/pool".
    /// </summary>
    private string? EffectiveMountPoint(SimDataset ds, Dictionary<string, string?>? memo = null)
    {
        if (ds.IsSnapshot) return null;
        if (ds.Local.TryGetValue("mountpoint", out var local)) return local;
        if (memo is not null && memo.TryGetValue(ds.Name, out var known)) return known;
        string? result;
        if (ds.Parent is not { } parentName || !_datasets.TryGetValue(parentName, out var parent)) result = "/" + ds.Name;
        else
        {
            var inherited = EffectiveMountPoint(parent, memo);
            var child = ds.Name[(parentName.Length + 1)..];
            result = inherited is "none" or "legacy" or null ? inherited : inherited == "/" ? "/" + child : $"{inherited}/{child}";
        }
        if (memo is not null) memo[ds.Name] = result;
        return result;
    }

    /// <summary>readonly=on on the dataset or the nearest ancestor that sets it.</summary>
    private bool IsReadOnlyDataset(string name)
    {
        for (var ds = _datasets.GetValueOrDefault(name); ds is not null; ds = ds.Parent is { } p ? _datasets.GetValueOrDefault(p) : null)
            if (ds.Local.TryGetValue("readonly", out var value)) return value == "on";
        return false;
    }

    private void SetProperty(ZfsSet c)
    {
        var ds = Existing(c, c.Dataset);
        var what = $"cannot set property for '{c.Dataset}'";
        var value = CheckProperty(c, c.Property, c.Value, ds.IsSnapshot, what);
        ChangeProperty(c, ds, c.Property, value, what);
    }

    private void InheritProperty(ZfsInherit c)
    {
        var ds = Existing(c, c.Dataset);
        var what = $"cannot inherit {c.Property} for '{c.Dataset}'";
        if (string.IsNullOrEmpty(c.Property)) throw Usage(c, "missing property argument");
        if (!IsUserProperty(c.Property))
        {
            if (c.Property == "canmount") throw Fail(c, $"'canmount' property cannot be inherited");
            if (s_readOnlyNative.Contains(c.Property)) throw Fail(c, $"'{c.Property}' property is read-only");
            if (!s_native.ContainsKey(c.Property)) throw Fail(c, $"invalid property '{c.Property}'");
            if (ds.IsSnapshot) throw Fail(c, $"{what}: this property can not be modified for snapshots");
        }
        ChangeProperty(c, ds, c.Property, null, what);
    }

    /// <summary>
    /// Sets (or, with null, clears) a property. Changing where file systems mount unmounts the ones
    /// affected first (refusing when busy, as zfs does), then mounts those that were mounted and
    /// those with canmount=on; canmount=off unmounts.
    /// </summary>
    private void ChangeProperty(ZfsCommand c, SimDataset ds, string name, string? value, string what)
    {
        var remounts = name is "mountpoint" || (name == "canmount" && value == "off")
            ? (name == "mountpoint" ? InheritingMountPoint(ds) : [ds]).Where(IsMounted).ToList()
            : [];
        if (remounts.Count > 0 && BusyBelow(remounts) is { } busy)
            throw Fail(c, Busy(busy));
        foreach (var m in remounts.OrderByDescending(m => m.Name.Length)) RemoveZfsMount(m);

        if (value is null) ds.Local.Remove(name);
        else ds.Local[name] = value;

        if (name != "mountpoint") return;
        // Measured on zfs-fuse: after a mountpoint change, what was mounted mounts again at the new
        // place and what has canmount=on mounts too; a canmount=noauto one that was not mounted stays so.
        var toMount = InheritingMountPoint(ds).Where(d => remounts.Contains(d) || d.CanMount == "on");
        var errors = toMount.OrderBy(d => d.Name.Length)
            .Where(d => d.CanMount != "off" && IsPath(EffectiveMountPoint(d)) && !IsMounted(d))
            .Select(TryMount).OfType<string>().ToList();
        if (errors.Count > 0) throw Fail(c, $"property may be set but unable to remount filesystem\n{string.Join('\n', errors)}");
    }

    /// <summary>The file system and its descendants whose mountpoint follows its own.</summary>
    private List<SimDataset> InheritingMountPoint(SimDataset ds)
    {
        var result = new List<SimDataset> { ds };
        foreach (var d in Subtree(ds.Name).Where(d => !d.IsSnapshot && d != ds))
        {
            // Inherits when no dataset between it and ds (itself included) sets a local mountpoint.
            var inherits = true;
            for (var n = d.Name; n != ds.Name && inherits; n = n[..n.LastIndexOf('/')])
                inherits = !_datasets[n].Local.ContainsKey("mountpoint");
            if (inherits) result.Add(d);
        }
        return result;
    }
}
