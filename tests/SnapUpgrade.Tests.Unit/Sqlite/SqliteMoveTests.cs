using Dapper;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Infra.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Sqlite;

/// <summary>
/// The console's own "migrate /var/adm to the shared dataset" moves the directory holding the
/// database and leaves a relative link in its place. The same <see cref="SqliteDatabase"/> must go
/// on working through the link, with nothing lost (docs/decisions/0001).
/// </summary>
public sealed class SqliteMoveTests : IDisposable
{
    readonly TempDir _dir = new();
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Dispose();

    /// <param name="copy">
    /// false: a rename (same file system). true: copy and delete, as a move onto another dataset
    /// does; a connection held open across it would keep writing to the deleted file.
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DatabaseDirectoryMovedAndLinked_SameInstanceKeepsWorkingAndDataIntact(bool copy)
    {
        var adm = _dir.Combine("var", "adm");
        var db = SqliteDatabase.InDataDir(Path.Combine(adm, "snapupgrade"));
        var journal = new SqliteOperationJournal(db);
        var begun = await journal.BeginAsync(new JournalEntry { Action = "migrate", Target = "/var/adm" }, Ct);
        var kept = await journal.BeginAsync(new JournalEntry { Action = "create", Target = "be3" }, Ct);
        await journal.CompleteAsync(kept, new JournalCompletion(Outcome.Succeeded, null), Ct);

        var shared = _dir.Combine("var", "shared", "adm");
        MoveAndLink(adm, shared, copy);

        await journal.CompleteAsync(begun, new JournalCompletion(Outcome.Succeeded, "moved 1 directory"), Ct);
        await journal.BeginAsync(new JournalEntry { Action = "activate", ToBe = "be3" }, Ct);

        var recent = await new SqliteOperationJournal(SqliteDatabase.InDataDir(Path.Combine(adm, "snapupgrade")))
            .RecentAsync(10, Ct);
        Assert.Equal(["activate", "create", "migrate"], recent.Select(e => e.Action));
        Assert.Equal("moved 1 directory", recent.Single(e => e.Action == "migrate").Message);
        var file = Path.Combine(shared, "snapupgrade", SqliteDatabase.DefaultFileName);
        // the last connection to close checkpoints and removes the WAL: none is left open
        Assert.False(File.Exists(file + "-wal"), "a connection to the database was left open");
        Assert.Equal(3L, await CountRowsAsync(file));
    }

    static void MoveAndLink(string from, string to, bool copy)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        if (copy)
        {
            foreach (var source in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(to, Path.GetRelativePath(from, source));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(source, target);
            }
            Directory.Delete(from, recursive: true);
        }
        else
        {
            Directory.Move(from, to);
        }
        // relative, like the links the migration makes: /var/adm -> shared/adm
        Directory.CreateSymbolicLink(from, Path.Combine("shared", "adm"));
    }

    /// <summary>Straight from the file at its new place, bypassing every class under test.</summary>
    static async Task<long> CountRowsAsync(string file)
    {
        await using var raw = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        await raw.OpenAsync();
        return await raw.ExecuteScalarAsync<long>("SELECT count(*) FROM operation_journal;");
    }
}
