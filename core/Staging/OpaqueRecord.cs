using System.Text.Json;
using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Core.Staging;

/// <summary>
/// Which directories of each shared directory's upper tree overlayfs marked opaque (removed and made
/// again by the package command), kept beside the staged trees (<c>/var/.snapupgrade/staged/.opaque</c>,
/// a dot name at the top: the console's own). The copy of an upper tree into the BE leaves overlayfs'
/// xattrs out (<see cref="TreeCopy.WithoutOverlayMarks"/>; zfs-fuse keeps none), so the marks travel
/// here and <see cref="StagedChanges.Read"/> takes a directory named in it as opaque (ADR 0025).
/// </summary>
/// <param name="Opaque">Per shared directory ("log"), the opaque directories' paths relative to its upper tree.</param>
public sealed record OpaqueRecord(IReadOnlyDictionary<string, IReadOnlyList<string>> Opaque)
{
    /// <summary>The record's name at the top of the staged directory.</summary>
    public const string FileName = ".opaque";

    /// <summary>The opaque directories recorded for one shared directory (none when it has no entry).</summary>
    public IReadOnlySet<string> For(string dir) =>
        Opaque.TryGetValue(dir, out var paths) ? paths.ToHashSet(StringComparer.Ordinal) : new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Walks <paramref name="upper"/> through the no-follow port and names every directory below it whose
    /// own xattr marks it opaque (<see cref="StagedChanges.IsMarkedOpaque"/>), parents before children.
    /// </summary>
    public static IReadOnlyList<string> Find(IHostFiles files, string upper)
    {
        ArgumentNullException.ThrowIfNull(files);
        var found = new List<string>();
        void Walk(string rel)
        {
            foreach (var name in files.List(StagedChanges.Join(upper, rel)))
            {
                var child = StagedChanges.Join(rel, name);
                if (files.Stat(StagedChanges.Join(upper, child))?.Kind != FileKind.Directory) continue;
                if (StagedChanges.IsMarkedOpaque(files, StagedChanges.Join(upper, child))) found.Add(child);
                Walk(child);
            }
        }
        Walk("");
        return found;
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this);

    /// <summary>
    /// The record at <paramref name="path"/>, or null when there is none (a staged tree from before the
    /// record). Anything else there than a regular file of this JSON is refused: the apply must not guess.
    /// </summary>
    public static OpaqueRecord? Read(IHostFiles files, string path)
    {
        ArgumentNullException.ThrowIfNull(files);
        var kind = files.GetKind(path);
        if (kind == FileKind.Missing) return null;
        if (kind != FileKind.File) throw new InvalidDataException($"{path} is a {kind}, not the record of opaque directories the finish writes.");
        try
        {
            var record = JsonSerializer.Deserialize<OpaqueRecord>(files.ReadAllBytes(path));
            return record?.Opaque is null || record.Opaque.Values.Any(v => v is null)
                ? throw new InvalidDataException($"{path}: not a record of opaque directories.")
                : record;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a record of opaque directories ({e.Message}).", e);
        }
    }
}
