using SnapUpgrade.Core.Audit;

namespace SnapUpgrade.Infra.Sqlite;

/// <summary>
/// Checks audit rows one at a time in id order: each must hash to its stored hash, carry the id
/// after the previous row's, and name the previous row's hash. Holds only the last row's id and hash.
/// </summary>
sealed class AuditChainWalk
{
    long _lastId;
    string _lastHash = AuditChain.Genesis;
    long _checked;

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

    public ChainVerification Intact() => new(true, _checked, null, _checked == 0
        ? "The audit log is empty."
        : $"All {_checked} rows verified; the chain is intact (rows 1 to {_lastId}).");

    ChainVerification Broken(long id, string message) => new(false, _checked, id, message);
}
