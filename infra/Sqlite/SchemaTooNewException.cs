namespace SnapUpgrade.Infra.Sqlite;

/// <summary>
/// The database was written by a newer console (booted from a newer BE) than this one. This console
/// may read it but must not write: it cannot know what the newer schema's rows are required to hold.
/// </summary>
public sealed class SchemaTooNewException(string path, int found, int known)
    : Exception($"The database '{path}' has schema version {found}, newer than the {known} this console knows. "
        + "It was written by a newer SnapUpgrade Console (from another boot environment); this console "
        + "only reads it. Boot that environment, or upgrade this one, to make changes.")
{
    public string Path { get; } = path;
    public int FoundVersion { get; } = found;
    public int KnownVersion { get; } = known;
}
