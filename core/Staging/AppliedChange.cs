using System.Text.Json.Serialization;
using SnapUpgrade.Core.Host;

namespace SnapUpgrade.Core.Staging;

/// <summary>What applying one staged change did to the live shared data.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AppliedOutcome>))]
public enum AppliedOutcome
{
    /// <summary>Put at its own name (nothing was there).</summary>
    Added,

    /// <summary>The staged file's tail appended to the live file.</summary>
    Appended,

    /// <summary>The name was taken by other content: kept, and the staged one put beside it.</summary>
    SideBySide,

    /// <summary>The live file was still as in the base: the staged one took its place atomically (the base keeps the old one).</summary>
    Replaced,

    /// <summary>Nothing to do: the live entry already is what was staged.</summary>
    AlreadyThere,

    /// <summary>A deletion not performed: the live entry changed since the base (or is a directory not empty).</summary>
    DeletionRecorded,

    /// <summary>A deletion performed: the live entry was as in the base (the base keeps it), or already gone.</summary>
    DeletionDone,

    /// <summary>Not applied: a link or another kind of file where a directory is expected, or an error; the staged tree keeps it.</summary>
    Refused,
}

/// <summary>One line of the apply report: what, where, how. Serialisable for the audit trail.</summary>
/// <param name="Path">The staged change's path, relative to the shared root ("log/dpkg.log").</param>
/// <param name="Where">The live host path it went to (a side-by-side name included).</param>
/// <param name="Bytes">For <see cref="AppliedOutcome.Appended"/>: how many bytes.</param>
/// <param name="Why">For a refusal or a recorded deletion, and notes ("the live file was gone").</param>
public sealed record AppliedChange(
    string Path,
    [property: JsonConverter(typeof(JsonStringEnumConverter<StagedKind>))] StagedKind Change,
    [property: JsonConverter(typeof(JsonStringEnumConverter<FileKind>))] FileKind Type,
    AppliedOutcome Outcome,
    string Where,
    long Bytes = 0,
    string? Why = null)
{
    public string Text => Outcome switch
    {
        AppliedOutcome.Added => $"{Path}: added at {Where}",
        AppliedOutcome.Appended => $"{Path}: appended {Bytes} bytes to {Where}",
        AppliedOutcome.SideBySide => $"{Path}: the live one kept; the staged {Noun} is side by side as {Where}",
        AppliedOutcome.Replaced => $"{Path}: replaced {Where} (it was unchanged live; the base snapshot keeps the old one)",
        AppliedOutcome.AlreadyThere => $"{Path}: already there at {Where}",
        AppliedOutcome.DeletionRecorded => $"{Path}: deletion recorded, not performed",
        AppliedOutcome.DeletionDone => $"{Path}: deletion done at {Where}",
        _ => $"{Path}: refused",
    } + (Why is null ? "" : $" ({Why})");

    private string Noun => Type switch
    {
        FileKind.Directory => "directory",
        FileKind.Symlink => "link",
        FileKind.Other => "special file",
        _ => "file",
    };
}

/// <summary>Everything one apply did, in order; the staged tree it came from is kept.</summary>
public sealed record StagedApplyReport(string Be, string Upper, string Live, IReadOnlyList<AppliedChange> Changes)
{
    public IEnumerable<string> Lines => Changes.Select(c => c.Text);
}
