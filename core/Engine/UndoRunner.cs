using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Steps;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// Runs an <see cref="Undo"/> against the ports. Each kind looks before it acts and does nothing
/// when there is nothing to take back, so it is safe for a step that may not have happened.
/// </summary>
public sealed class UndoRunner(OperationContext context)
{
    public async Task RunAsync(Undo undo, CancellationToken ct)
    {
        var files = context.Files;
        switch (undo)
        {
            case UndoNothing:
                break;
            case UndoZfs zfs:
                foreach (var command in zfs.Commands)
                {
                    if (command is ZfsMount mount && await IsMountedAsync(mount.Dataset, ct)) continue;
                    await context.Zfs.ExecuteAsync(command, ct);
                }
                break;
            case UndoPromote promote:
                var from = (await context.Zfs.ListAsync(context.Options.Pool, ct)).Find(promote.From);
                if (from?.Origin?.StartsWith(promote.Promoted + "@", StringComparison.Ordinal) == true)
                    await context.Zfs.ExecuteAsync(new ZfsPromote(promote.From), ct);
                break;
            case UndoRemoveDirectory rmdir:
                FileSteps.RemoveIfEmpty(files, rmdir.Path);
                break;
            case UndoCreateDirectory mkdir:
                if (files.GetKind(mkdir.Path) == FileKind.Missing) files.CreateDirectory(mkdir.Path, (UnixFileMode)mkdir.Mode);
                break;
            case UndoUnbind unbind:
                if ((await context.Mounts.ListAsync(ct)).Any(b => b.Target == unbind.Target)) await context.Mounts.UnmountAsync(unbind.Target, ct);
                break;
            case UndoUnmountStaging staging:
                if (context.Staging is { } mounts && (await mounts.ListStagingAsync(ct)).Contains(staging.Target))
                    await context.Mounts.UnmountAsync(staging.Target, ct);
                break;
            case UndoBind bind:
                if (!(await context.Mounts.ListAsync(ct)).Any(b => b.Target == bind.Target))
                    await context.Mounts.BindAsync(bind.Source, bind.Target, bind.ReadOnly, ct);
                break;
            case UndoRename rename:
                UndoRenameOf(files, rename);
                break;
            case UndoRemoveLink link:
                if (files.GetKind(link.Path) == FileKind.Symlink && files.ReadLink(link.Path) == link.Target) files.Delete(link.Path);
                break;
            case UndoDeleteTree tree:
                if (files.GetKind(tree.Path) != FileKind.Missing) files.DeleteTree(tree.Path);
                break;
            case UndoLoaderVariable variable:
                var variables = Loader(variable).Variables;
                if (await variables.GetAsync(variable.Name, ct) != variable.Value) await variables.SetAsync(variable.Name, variable.Value, ct);
                break;
            case UndoLoaderFile file:
                BootLoaderSteps.Restore(Loader(file).Files, file);
                break;
            default:
                throw new InvalidOperationException($"No way to run {undo.GetType().Name}.");
        }
    }

    private LoaderPorts Loader(Undo undo) =>
        context.Loader ?? throw new InvalidOperationException($"{undo} needs the boot loader, and none is configured.");

    /// <summary>
    /// Whether a dataset is mounted now: then a mount that takes back an unmount has nothing left to do (the
    /// unmount was cut off before it took effect, or zfs mounted the dataset again by itself), and running it
    /// would fail ("already mounted"; zfs-fuse answers "busy").
    /// </summary>
    private async Task<bool> IsMountedAsync(string dataset, CancellationToken ct) =>
        (await context.Zfs.ReadAsync(context.Options.Pool, new ReadScope([], [dataset]), ct)).Find(dataset) is { Mounted: true };

    /// <summary>
    /// Runs a step's command again after a crash past the point of no return, unless what it does is
    /// done: a destroy of a dataset or snapshot that is gone, an unmount of what is not mounted, a
    /// mount of what is. Everything else it runs again: a recursive destroy cut off half-way is
    /// finished by running it again, a rollback to the same snapshot or a set of the same value
    /// changes nothing more. Returns false when it found the step done.
    /// </summary>
    public async Task<bool> FinishAsync(ZfsCommand command, CancellationToken ct)
    {
        var listing = await context.Zfs.ListAsync(context.Options.Pool, ct);
        var done = command switch
        {
            ZfsDestroy destroy => listing.Find(destroy.Name) is null,
            ZfsUnmount unmount => listing.Find(unmount.Dataset) is not { Mounted: true },
            ZfsMount mount => listing.Find(mount.Dataset) is { Mounted: true },
            _ => false,
        };
        if (!done) await context.Zfs.ExecuteAsync(command, ct);
        return !done;
    }

    /// <summary>
    /// The file is recognised by its inode alone. st_dev is not stable: a dataset unmounted and
    /// mounted again gets a new one (the undo of a release step mounts the BE again before the
    /// renames inside it are undone; a reboot remounts everything), and comparing it made those
    /// undos fail, leaving the BE mounted at its temporary place (seen with kill -9 on zfs-fuse).
    /// Dropping it loses nothing: a rename never crosses file systems (rename(2) refuses with
    /// EXDEV), and on one file system the device never told a new file with a reused inode apart.
    /// </summary>
    /// <remarks>
    /// A file with both names is a no-replace rename cut off half-way: where the file system has no RENAME_NOREPLACE
    /// (zfs-fuse), <c>IHostFiles.Rename</c> of a file is link(2) then unlink(2), and a kill -9 between them leaves it
    /// under the old name and the new one (a migration's merge killed there left <c>log/messages.be2</c> in
    /// /var/shared). The new name is taken away; the file keeps its old one, so nothing is lost.
    /// </remarks>
    private static void UndoRenameOf(IHostFiles files, UndoRename rename)
    {
        if (files.Stat(rename.From)?.Inode == rename.Identity.Inode)
        {
            // Never moved, or already back; or moved half-way: then its new name goes (never a directory: no hard links).
            if (files.Stat(rename.To) is { Kind: not FileKind.Directory } there && there.Inode == rename.Identity.Inode) files.Delete(rename.To);
            return;
        }
        if (files.Stat(rename.To)?.Inode != rename.Identity.Inode)
            throw new IOException($"Cannot put {rename.From} back: {rename.To} is no longer the file that was moved there.");
        // A staging tree's directories may have gone with a cleanup that was cut off: made again, private.
        var parent = FileSteps.Parent(rename.From);
        if (files.GetKind(parent) == FileKind.Missing) files.CreateDirectory(parent, FileSteps.Private);
        files.Rename(rename.To, rename.From);
    }
}
