using System.Text.Json.Serialization;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// The simulated host as stored on disk: the base a <see cref="JournalRecord"/> journal applies to. File
/// trees are stored once per distinct node (snapshots and clones share subtrees), children before parents,
/// so the file stays about as small as the data that really differs between BEs.
/// </summary>
internal sealed class StateFile
{
    public int Version { get; set; } = 1;
    /// <summary>Names this base; a journal applies only to the base its header names. Absent in files from before the journal.</summary>
    public string? Generation { get; set; }
    public long Txg { get; set; }
    public List<PoolState> Pools { get; set; } = [];
    public List<DatasetState> Datasets { get; set; } = [];
    public List<MountState> Mounts { get; set; } = [];
    public int BaseRoot { get; set; }
    /// <summary>The next inode number; absent in older files (then one past the largest stored).</summary>
    public long? NextInode { get; set; }
    public List<NodeState> Nodes { get; set; } = [];
}

internal sealed class PoolState
{
    public required string Name { get; set; }
    public required string Guid { get; set; }
    public string? Bootfs { get; set; }
}

internal sealed class DatasetState
{
    public required string Name { get; set; }
    public bool Snapshot { get; set; }
    public DateTimeOffset Created { get; set; }
    public long Txg { get; set; }
    /// <summary>zfs's createtxg: <see cref="Txg"/>, but shared by the snapshots of one recursive snapshot; always written, 0 in files written before it was kept.</summary>
    public long CreateTxg { get; set; }
    public string? Origin { get; set; }
    public Dictionary<string, string> Properties { get; set; } = [];
    public int Root { get; set; }
}

internal sealed class MountState
{
    public required string Target { get; set; }
    public string? Dataset { get; set; }
    public List<string> SourcePath { get; set; } = [];
    public bool ReadOnly { get; set; }
    public bool Bind { get; set; }
    public required string Source { get; set; }
}

/// <summary>
/// One node: "d" directory (Entries: name to node index), "f" file (Data, base64), "l" link
/// (Target), "p" FIFO, "s" socket, "c"/"b" device (Major, Minor); Xattrs by name where there are any. Owner, group and inode came later: absent (null) in older files, which
/// load as root's with fresh inode numbers; a zero owner or group is not written.
/// </summary>
internal sealed class NodeState
{
    public required string Kind { get; set; }
    public int Mode { get; set; }
    public int? Uid { get; set; }
    public int? Gid { get; set; }
    public long? Ino { get; set; }
    public Dictionary<string, int>? Entries { get; set; }
    public byte[]? Data { get; set; }
    public string? Target { get; set; }
    public int? Major { get; set; }
    public int? Minor { get; set; }
    public Dictionary<string, byte[]>? Xattrs { get; set; }
}

/// <summary>The journal's first line: the <see cref="StateFile.Generation"/> of the base its records apply to.</summary>
internal sealed class JournalHeader
{
    public required string Generation { get; set; }
}

/// <summary>
/// One line of the journal: what one write changed since the one before. Datasets come whole, by name
/// (those in <see cref="Removed"/> go first, so a rename is its old name removed and its new one added);
/// pools and mounts are few and come whole every time. Nodes continue the numbering of those stored
/// before (base, then earlier records), from <see cref="FirstNode"/>, children before parents.
/// </summary>
internal sealed class JournalRecord
{
    public long Txg { get; set; }
    public List<PoolState> Pools { get; set; } = [];
    public List<DatasetState> Datasets { get; set; } = [];
    public List<string> Removed { get; set; } = [];
    public List<MountState> Mounts { get; set; } = [];
    public int BaseRoot { get; set; }
    public long NextInode { get; set; }
    public int FirstNode { get; set; }
    public List<NodeState> Nodes { get; set; } = [];
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StateFile))]
[JsonSerializable(typeof(JournalHeader))]
[JsonSerializable(typeof(JournalRecord))]
internal sealed partial class StateFileJson : JsonSerializerContext;
