namespace SnapUpgrade.Core.Zfs;

/// <summary>
/// Properties other BE tools set on what they make. Read to say who made a BE ("made by zsys"),
/// never written: a BE the console adopts keeps what its tool put on it.
/// </summary>
public static class ForeignProperties
{
    /// <summary>zsys marks each BE root it made (and its children) with the boot dataset it belongs to.</summary>
    public const string ZsysBootfs = "com.ubuntu.zsys:bootfs";
    public const string ZsysLastUsed = "com.ubuntu.zsys:last-used";
    /// <summary>zectl keeps its boot loader choice on the BE container, <c>pool/ROOT</c>.</summary>
    public const string ZectlBootloader = "org.zectl:bootloader";
    /// <summary>illumos' libbe (beadm) gives each BE a uuid of its own namespace.</summary>
    public const string LibbeUuid = "org.opensolaris.libbe:uuid";

    public static readonly IReadOnlyList<string> All = [ZsysBootfs, ZsysLastUsed, ZectlBootloader, LibbeUuid];

    /// <summary>The tool whose property a dataset carries as its own, or null: zsys, zectl or beadm.</summary>
    public static string? Tool(Func<string, string?> local) =>
        local(ZsysBootfs) is not null || local(ZsysLastUsed) is not null ? "zsys"
        : local(ZectlBootloader) is not null ? "zectl"
        : local(LibbeUuid) is not null ? "beadm"
        : null;
}
