using System.Text.Json.Serialization;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Engine;

/// <summary>
/// How to take one step back, as data: the executor runs it when a later step fails, and the
/// journal keeps it (written before the step runs), so a console restarted after kill -9 can undo
/// what a crash left half done. Each kind checks before it acts and does nothing when there is
/// nothing to undo, so running it for a step that may or may not have happened is safe.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "undo")]
[JsonDerivedType(typeof(UndoNothing), "nothing")]
[JsonDerivedType(typeof(UndoZfs), "zfs")]
[JsonDerivedType(typeof(UndoPromote), "promote")]
[JsonDerivedType(typeof(UndoRemoveDirectory), "rmdir")]
[JsonDerivedType(typeof(UndoCreateDirectory), "mkdir")]
[JsonDerivedType(typeof(UndoUnbind), "unbind")]
[JsonDerivedType(typeof(UndoBind), "bind")]
[JsonDerivedType(typeof(UndoUnmountStaging), "unmount-staging")]
[JsonDerivedType(typeof(UndoRename), "rename")]
[JsonDerivedType(typeof(UndoRemoveLink), "unlink")]
[JsonDerivedType(typeof(UndoDeleteTree), "delete-copy")]
[JsonDerivedType(typeof(UndoLoaderVariable), "loader-variable")]
[JsonDerivedType(typeof(UndoLoaderFile), "loader-file")]
[JsonDerivedType(typeof(RollForward), "forward")]
[JsonDerivedType(typeof(RebootAsked), "reboot")]
public abstract record Undo
{
    public static Undo Zfs(ZfsCommand command) => new UndoZfs([command]);

    /// <summary>A step with this undo (null, <see cref="RollForward"/>, <see cref="RebootAsked"/>) cannot be taken back.</summary>
    public static bool CannotTakeBack(Undo? undo) => undo is null or RollForward or RebootAsked;
}

/// <summary>The step changes nothing that needs undoing (a read; or what it made goes with an earlier step's undo).</summary>
public sealed record UndoNothing : Undo;

/// <summary>zfs commands, in order (e.g. destroy the snapshots one call took).</summary>
public sealed record UndoZfs(IReadOnlyList<ZfsCommand> Commands) : Undo;

/// <summary>
/// Promotes <see cref="From"/> back, but only when <see cref="Promoted"/>'s promote happened (From is
/// then a clone of a snapshot of Promoted): promoting a file system that was not demoted changes the pool.
/// </summary>
public sealed record UndoPromote(string Promoted, string From) : Undo;

/// <summary>Removes a directory the step made, when it is still there and empty.</summary>
public sealed record UndoRemoveDirectory(string Path) : Undo;

/// <summary>Makes again a directory the step removed, when it is missing.</summary>
public sealed record UndoCreateDirectory(string Path, int Mode) : Undo;

/// <summary>Removes a bind mount the step made, when it is still mounted.</summary>
public sealed record UndoUnbind(string Target) : Undo;

/// <summary>Takes off a tmpfs or overlay an upgrade's staging mounted (ADR 0026), when it is still mounted.</summary>
public sealed record UndoUnmountStaging(string Target) : Undo;

/// <summary>Binds again what the step unbound, when it is not mounted.</summary>
public sealed record UndoBind(string Source, string Target, bool ReadOnly) : Undo;

/// <summary>
/// Puts back at <see cref="From"/> what a rename put at <see cref="To"/>, but only when
/// <see cref="To"/> is still that very file (<see cref="Identity"/>; its inode, since a dataset mounted
/// again has another device number) and <see cref="From"/> is free:
/// never someone else's file that took the name after a crash. From's parent is made again (0700)
/// when it is gone: a staging directory removed by a cleanup that was cut off.
/// </summary>
public sealed record UndoRename(string From, string To, FileIdentity Identity) : Undo;

/// <summary>Removes a link the step made, when it is still that link.</summary>
public sealed record UndoRemoveLink(string Path, string Target) : Undo;

/// <summary>Removes a copy the console made (a staging tree); never host data.</summary>
public sealed record UndoDeleteTree(string Path) : Undo;

/// <summary>Sets a boot loader variable back to <see cref="Value"/> (null: removes it), when it differs.</summary>
public sealed record UndoLoaderVariable(string Name, string? Value) : Undo;

/// <summary>
/// Puts a boot loader file the console wrote (an entry, its menu, loader.conf) back as it was: the
/// bytes it had, or no file when there was none. Only the loader's files (<see cref="LoaderPorts"/>), never host data.
/// </summary>
public sealed record UndoLoaderFile(string Path, byte[]? Previous) : Undo;

/// <summary>
/// Not an undo: the step cannot be taken back (a destroy, a rollback), so its place in the journal
/// holds what it runs instead. A console restarted after a crash past the point of no return finishes
/// the operation from these: the step that was cut off and every one after it run again, each
/// skipped where it is already done (<see cref="Engine.UndoRunner.FinishAsync"/>).
/// </summary>
public sealed record RollForward(ZfsCommand Command) : Undo;

/// <summary>
/// Not an undo: the step asked the host to reboot (<see cref="Argv"/>), which nothing takes back. It
/// is the last step of its plan, and a restart never asks again: a reboot that worked stops the
/// console before it completes the journal row, so the next start finds that row pending, and asking
/// again there would reboot the host at every start. Finishing it is closing it.
/// </summary>
public sealed record RebootAsked(IReadOnlyList<string> Argv) : Undo;
