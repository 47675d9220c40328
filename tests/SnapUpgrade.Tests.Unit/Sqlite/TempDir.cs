namespace SnapUpgrade.Tests.Unit.Sqlite;

/// <summary>A real directory per test (SQLite on a real file, WAL and all; never :memory:).</summary>
sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(
        System.IO.Path.GetTempPath(), "snapupgrade-unit", Guid.NewGuid().ToString("N"));

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { } // a leftover temp dir must not fail the test that used it
    }
}
