namespace SnapUpgrade.Infra.Sqlite;

/// <summary>What a connection is opened for; decides how a schema newer than this console is treated.</summary>
public enum SqliteAccess
{
    /// <summary>Reads only. Allowed on a newer schema (changes are additive, so old columns still mean the same).</summary>
    Read,
    /// <summary>Reads and writes. Refused on a newer schema with <see cref="SchemaTooNewException"/>.</summary>
    Write,
}
