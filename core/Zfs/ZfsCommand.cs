using System.Text.Json.Serialization;

namespace SnapUpgrade.Core.Zfs;

/// <summary>
/// One zfs/zpool command, as data. <see cref="Argv"/> is exactly what <c>ZfsCli</c> runs, so a dry
/// run can show it; <c>SimulatedZfs</c> interprets the same records.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "command")]
[JsonDerivedType(typeof(ZfsCreate), "create")]
[JsonDerivedType(typeof(ZfsSnapshot), "snapshot")]
[JsonDerivedType(typeof(ZfsClone), "clone")]
[JsonDerivedType(typeof(ZfsPromote), "promote")]
[JsonDerivedType(typeof(ZfsDestroy), "destroy")]
[JsonDerivedType(typeof(ZfsRename), "rename")]
[JsonDerivedType(typeof(ZfsSet), "set")]
[JsonDerivedType(typeof(ZfsInherit), "inherit")]
[JsonDerivedType(typeof(ZfsMount), "mount")]
[JsonDerivedType(typeof(ZfsUnmount), "unmount")]
[JsonDerivedType(typeof(ZfsRollback), "rollback")]
[JsonDerivedType(typeof(ZpoolSetBootfs), "bootfs")]
public abstract record ZfsCommand
{
    [JsonIgnore]
    public abstract IReadOnlyList<string> Argv { get; }
    /// <summary>The command line (sealed: a record's own ToString would print its members instead).</summary>
    public sealed override string ToString() => string.Join(' ', Argv);

    protected static IEnumerable<string> Options(IReadOnlyDictionary<string, string>? properties) =>
        properties is null ? [] : properties.SelectMany(p => new[] { "-o", $"{p.Key}={p.Value}" });
}

/// <summary><c>zfs create [-o p=v]... dataset</c></summary>
public sealed record ZfsCreate(string Dataset, IReadOnlyDictionary<string, string>? Properties = null) : ZfsCommand
{
    public override IReadOnlyList<string> Argv => ["zfs", "create", .. Options(Properties), Dataset];
}

/// <summary><c>zfs snapshot [-r] ds@a [ds2@a ...]</c>: several names only where <see cref="ZfsCapabilities.MultiSnapshot"/>.</summary>
public sealed record ZfsSnapshot : ZfsCommand
{
    [JsonConstructor]
    public ZfsSnapshot(IReadOnlyList<string> snapshots, bool recursive = false, IReadOnlyDictionary<string, string>? properties = null)
    {
        Snapshots = snapshots;
        Recursive = recursive;
        Properties = properties;
    }

    public ZfsSnapshot(string snapshot, bool recursive = false, IReadOnlyDictionary<string, string>? properties = null)
        : this([snapshot], recursive, properties) { }

    public IReadOnlyList<string> Snapshots { get; }
    public bool Recursive { get; }
    public IReadOnlyDictionary<string, string>? Properties { get; }

    public override IReadOnlyList<string> Argv =>
        ["zfs", "snapshot", .. Recursive ? new[] { "-r" } : [], .. Options(Properties), .. Snapshots];
}

/// <summary><c>zfs clone [-o p=v]... snapshot target</c></summary>
public sealed record ZfsClone(string Snapshot, string Target, IReadOnlyDictionary<string, string>? Properties = null) : ZfsCommand
{
    public override IReadOnlyList<string> Argv => ["zfs", "clone", .. Options(Properties), Snapshot, Target];
}

public sealed record ZfsPromote(string Dataset) : ZfsCommand
{
    public override IReadOnlyList<string> Argv => ["zfs", "promote", Dataset];
}

/// <summary><c>zfs destroy [-r] name</c> (a file system or a snapshot).</summary>
public sealed record ZfsDestroy(string Name, bool Recursive = false) : ZfsCommand
{
    public override IReadOnlyList<string> Argv => ["zfs", "destroy", .. Recursive ? new[] { "-r" } : [], Name];
}

public sealed record ZfsRename(string From, string To) : ZfsCommand
{
    public override IReadOnlyList<string> Argv => ["zfs", "rename", From, To];
}

/// <summary><c>zfs set p=v name</c>: one property per call (zfs-fuse takes no more).</summary>
public sealed record ZfsSet(string Dataset, string Property, string Value) : ZfsCommand
{
    public override IReadOnlyList<string> Argv => ["zfs", "set", $"{Property}={Value}", Dataset];
}

/// <summary><c>zfs inherit p name</c>: how a property is cleared.</summary>
public sealed record ZfsInherit(string Dataset, string Property) : ZfsCommand
{
    public override IReadOnlyList<string> Argv => ["zfs", "inherit", Property, Dataset];
}

/// <summary>
/// <c>zfs mount [-o opts] dataset</c>; <paramref name="MountOptions"/> are temporary mount options
/// (<c>nosuid,nodev,noexec</c> for the console's own mounts of BEs that are not booted).
/// </summary>
public sealed record ZfsMount(string Dataset, string? MountOptions = null) : ZfsCommand
{
    public override IReadOnlyList<string> Argv =>
        ["zfs", "mount", .. MountOptions is null ? [] : new[] { "-o", MountOptions }, Dataset];
}

public sealed record ZfsUnmount(string Dataset, bool Force = false) : ZfsCommand
{
    public override IReadOnlyList<string> Argv => ["zfs", "unmount", .. Force ? new[] { "-f" } : [], Dataset];
}

/// <summary><c>zfs rollback [-r] snapshot</c>; -r destroys later snapshots.</summary>
public sealed record ZfsRollback(string Snapshot, bool DestroyLater = false) : ZfsCommand
{
    public override IReadOnlyList<string> Argv => ["zfs", "rollback", .. DestroyLater ? new[] { "-r" } : [], Snapshot];
}

/// <summary><c>zpool set bootfs=dataset pool</c>: the single commit point of an activation.</summary>
public sealed record ZpoolSetBootfs(string Pool, string Dataset) : ZfsCommand
{
    public override IReadOnlyList<string> Argv => ["zpool", "set", $"bootfs={Dataset}", Pool];
}
