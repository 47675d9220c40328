using System.Collections.Immutable;
using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// What an overlay mount shows and how a write lands in it, as overlayfs does with <c>redirect_dir=off</c>
/// and <c>metacopy=off</c> (ADR 0026): the upper layer over the lower one; a whiteout (a character device
/// 0/0) in the upper hides the lower entry of its name, a directory marked opaque hides the whole lower
/// directory; writes go to the upper only, whole files copied up, their parent directories made there
/// first with the lower ones' metadata. Stateless; the caller holds <see cref="SimulatedZfs"/>'s lock.
/// </summary>
internal static class OverlayView
{
    public const string OpaqueXattr = "trusted.overlay.opaque";

    public static bool IsWhiteout(Node? node) => node is SpecialNode { Special.IsWhiteout: true };

    private static bool IsOpaque(Node node) => node.Meta.Xattrs?.ContainsKey(OpaqueXattr) == true;

    /// <summary>The merged node at <paramref name="rest"/> below the overlay's root; null when missing or whited out.</summary>
    public static Node? Merged(VolumeTrees trees, SimMount overlay, ReadOnlySpan<string> rest)
    {
        var (upper, lower) = Layers(trees, overlay, rest);
        if (upper is null) return lower;
        if (IsWhiteout(upper)) return null;
        if (upper is not DirNode up || lower is not DirNode low) return upper;
        var entries = low.Entries;
        foreach (var (name, entry) in up.Entries)
            entries = IsWhiteout(entry) ? entries.Remove(name) : entries.SetItem(name, entry);
        return new DirNode(entries, up.Meta);
    }

    /// <summary>
    /// The upper node at <paramref name="rest"/> (a whiteout included) and the lower node the merged view
    /// would show under it (null when the upper hides it: a whiteout, an opaque or non-directory upper
    /// above or at it).
    /// </summary>
    public static (Node? Upper, Node? Lower) Layers(VolumeTrees trees, SimMount overlay, ReadOnlySpan<string> rest)
    {
        Node? up = trees.Get(overlay.Dataset, [.. overlay.SourcePath]);
        Node? low = trees.Get(overlay.Lower!.Volume, overlay.Lower.Path);
        var lowerShows = true;
        foreach (var name in rest)
        {
            if (up is not null and not DirNode || IsWhiteout(up)) return (null, null);
            var upDir = up as DirNode;
            var lowDir = lowerShows ? low as DirNode : null;
            up = upDir?.Entries.GetValueOrDefault(name);
            low = lowDir?.Entries.GetValueOrDefault(name);
            if (up is not null && (up is not DirNode || IsOpaque(up) || low is not DirNode)) lowerShows = false;
            if (up is null && low is null) return (null, null);
        }
        return (up, lowerShows ? low : null);
    }

    /// <summary>
    /// Puts <paramref name="node"/> (null: removes what is there) at <paramref name="rest"/> as the kernel
    /// would through the overlay: parents copied up, a removal of what the lower shows left as a whiteout,
    /// a directory made where the lower had one (or a whiteout was) marked opaque.
    /// </summary>
    /// <param name="made">False for a directory's own metadata (<see cref="ChangeMeta"/>): never marked opaque.</param>
    public static void Write(VolumeTrees trees, SimMount overlay, string[] rest, Node? node, bool made = true)
    {
        string[] upperRoot = [.. overlay.SourcePath];
        for (var i = 1; i < rest.Length; i++)
        {
            var (up, _) = Layers(trees, overlay, rest.AsSpan(0, i));
            if (up is DirNode) continue;
            var merged = Merged(trees, overlay, rest.AsSpan(0, i)) as DirNode
                ?? throw new DirectoryNotFoundException($"Could not find a part of the path: {string.Join('/', rest[..i])}");
            trees.Set(overlay.Dataset, [.. upperRoot, .. rest[..i]], DirNode.New(merged.Meta with { Xattrs = null }));
        }
        var (upper, lower) = Layers(trees, overlay, rest);
        string[] at = [.. upperRoot, .. rest];
        if (node is null)
        {
            trees.Set(overlay.Dataset, at, lower is null ? null : new SpecialNode(trees.NewMeta(0), SpecialFile.Whiteout));
            return;
        }
        if (made && node is DirNode dir && (IsWhiteout(upper) || (upper is null && lower is not null)))
        {
            var xattrs = (dir.Meta.Xattrs ?? ImmutableSortedDictionary.Create<string, byte[]>(StringComparer.Ordinal)).SetItem(OpaqueXattr, "y"u8.ToArray());
            node = dir.WithMeta(dir.Meta with { Xattrs = xattrs });
        }
        trees.Set(overlay.Dataset, at, node);
    }

    /// <summary>A directory's own metadata changed through the overlay: copied up without its lower entries.</summary>
    public static void ChangeMeta(VolumeTrees trees, SimMount overlay, string[] rest, Node changed)
    {
        if (changed is not DirNode dir)
        {
            Write(trees, overlay, rest, changed);
            return;
        }
        var (upper, _) = Layers(trees, overlay, rest);
        var kept = upper as DirNode;
        var meta = dir.Meta with { Xattrs = kept?.Meta.Xattrs ?? dir.Meta.Xattrs };
        if (rest.Length == 0) trees.Set(overlay.Dataset, [.. overlay.SourcePath], new DirNode(kept?.Entries ?? DirNode.Empty.Entries, meta));
        else Write(trees, overlay, rest, new DirNode(kept?.Entries ?? DirNode.Empty.Entries, meta), made: false);
    }

    /// <summary>Whether the lower layer shows something at <paramref name="rest"/>: a directory there cannot be renamed (EXDEV, no redirects).</summary>
    public static bool LowerShows(VolumeTrees trees, SimMount overlay, ReadOnlySpan<string> rest) => Layers(trees, overlay, rest).Lower is not null;
}
