using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>
/// Checks audit rows one at a time in id order: each must hash to its stored hash, carry the id
/// after the previous row's, and name the previous row's hash. Holds only the last row's id and hash.
/// Then compares where the chain ends with the head anchored on the pool (<see cref="IAuditAnchor"/>).
/// </summary>
sealed class AuditChainWalk
{
    long _lastId;
    string _lastHash = AuditChain.Genesis;
    long _checked;

    /// <summary>The last row that fitted (0 before the first).</summary>
    public long LastId => _lastId;

    /// <summary>Null while the chain fits; else the verdict naming the first row that does not.</summary>
    public ChainVerification? Check(AuditEntry row)
    {
        ChainVerification? broken = null;
        if (AuditChain.Hash(row) != row.Hash)
            broken = Broken(row.Id, $"Row {row.Id} was changed: its content no longer matches its hash.");
        else if (row.Id != _lastId + 1)
            broken = Broken(row.Id, row.Id - _lastId == 2
                ? $"The row before {row.Id} was removed (row {_lastId + 1} is missing)."
                : $"The row before {row.Id} was removed (rows {_lastId + 1} to {row.Id - 1} are missing).");
        else if (row.PreviousHash != _lastHash)
            broken = Broken(row.Id, _lastId == 0
                ? $"Row {row.Id} does not start the chain: the rows before it were removed or replaced."
                : $"Row {row.Id} does not follow row {_lastId}: row {_lastId} was replaced or the row before {row.Id} was removed.");
        if (broken is not null)
            return broken;
        _checked++;
        _lastId = row.Id;
        _lastHash = row.Hash;
        return null;
    }

    /// <summary>The verdict for a chain that fitted, with nothing anchored to compare its end with.</summary>
    public ChainVerification Intact(long running, string? anchor) => new(true, _checked, null, (_checked == 0
        ? "The audit log is empty."
        : $"All {_checked} rows verified; the chain is intact (rows 1 to {_lastId}).")
        + (anchor ?? " Nothing is anchored on the pool to compare its end with: rows cut off the end would not show.")
        + Running(running), running);

    /// <summary>
    /// The verdict for a chain that fitted, against the pool's anchor (<see cref="Finding"/>).
    /// </summary>
    public ChainVerification Against(AuditHead? head, string databaseId, string? hashThere, long running) =>
        Finding(head, _lastId, databaseId, hashThere) is { } finding
            ? Broken(finding.FirstBadId, finding.Message, running)
            : Intact(running, head is null ? null : $" The pool's anchor (row {head.Position}) matches.");

    /// <summary>
    /// What the pool's anchor says is missing from a database whose chain ends at <paramref name="lastId"/>,
    /// or null when nothing is: the anchored row must be in this database (<paramref name="databaseId"/>)
    /// with the anchored hash (<paramref name="hashThere"/>: the hash of this database's row at the
    /// anchored position, null when it ends before). Rows after the anchored one are fine: the anchor
    /// is written after the rows, in the background.
    /// </summary>
    public static (long? FirstBadId, string Message)? Finding(AuditHead? head, long lastId, string databaseId, string? hashThere)
    {
        if (head is null)
            return null;
        if (head.DatabaseId != databaseId)
            return (null, $"The pool's anchor names another audit database ({head.DatabaseId}, row {head.Position}, hash {Short(head.Hash)}); " +
                $"this one is {databaseId}: the database was replaced by another one.");
        if (head.Position > lastId)
            return (lastId + 1, $"The pool's anchor names row {head.Position} (hash {Short(head.Hash)}); the database ends at row {lastId}: " +
                (head.Position == lastId + 1 ? $"row {head.Position} is missing" : $"rows {lastId + 1} to {head.Position} are missing") +
                " (cut off the end, or an older copy of the database put back).");
        if (hashThere != head.Hash)
            return (head.Position, $"The pool's anchor names row {head.Position} with hash {Short(head.Hash)}; this database's row {head.Position} " +
                $"has {Short(hashThere)}: the rows up to it were replaced (an older copy of the database put back and written to since?).");
        return null;
    }

    static string Short(string? hash) => hash is null ? "none" : hash.Length > 16 ? hash[..16] + "…" : hash;

    static string Running(long running) => running == 0
        ? ""
        : $" {running} operation(s) still running: their rows are written when they end.";

    ChainVerification Broken(long? id, string message, long running = 0) => new(false, _checked, id, message + Running(running), running);
}
