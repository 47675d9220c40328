using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Tests.Scenarios.Lab;

/// <summary>
/// A real journal with a crash switch: at a chosen point the engine's next journal write never
/// returns, exactly as if the console had been killed there (what the journal holds is what a
/// killed console leaves). Points are counted from arming over every write the executor makes:
/// a step's start and each undo a running step records, in order.
/// </summary>
public sealed class CrashingJournal(IOperationJournal inner) : IOperationJournal
{
    private int _countdown = -1;
    private bool _afterWrite;
    private readonly TaskCompletionSource _crashed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Journal writes seen since arming (to learn how many points an operation has).</summary>
    public int Writes { get; private set; }

    /// <summary>
    /// The write with this 0-based index from now "kills" the console: before it is written
    /// (<paramref name="afterWrite"/> false: the previous action was the last), or after (the
    /// action it announces never runs).
    /// </summary>
    public void CrashAt(int index, bool afterWrite) => (_countdown, _afterWrite, Writes) = (index, afterWrite, 0);

    /// <summary>No crash: the writes go through (and are counted).</summary>
    public void Disarm() => (_countdown, Writes) = (-1, 0);

    /// <summary>Completes when the console has "died".</summary>
    public Task Crashed => _crashed.Task;

    public Task<long> BeginAsync(JournalEntry entry, CancellationToken ct = default) => inner.BeginAsync(entry, ct);

    public Task StepStartedAsync(long id, int index, CancellationToken ct = default) =>
        PointAsync(() => inner.StepStartedAsync(id, index, ct));

    public Task WillUndoAsync(long id, int index, Undo undo, CancellationToken ct = default) =>
        PointAsync(() => inner.WillUndoAsync(id, index, undo, ct));

    public Task CompleteAsync(long id, JournalCompletion completion, CancellationToken ct = default) =>
        inner.CompleteAsync(id, completion, ct);

    public Task<IReadOnlyList<JournalEntry>> PendingAsync(CancellationToken ct = default) => inner.PendingAsync(ct);

    public Task<IReadOnlyList<JournalEntry>> UnauditedAsync(CancellationToken ct = default) => inner.UnauditedAsync(ct);

    public Task<IReadOnlyList<JournalEntry>> RecentAsync(int count, CancellationToken ct = default) => inner.RecentAsync(count, ct);

    private async Task PointAsync(Func<Task> write)
    {
        Writes++;
        if (_countdown != 0)
        {
            if (_countdown > 0) _countdown--;
            await write();
            return;
        }
        _countdown = -1;
        if (_afterWrite) await write();
        _crashed.TrySetResult();
        await new TaskCompletionSource().Task; // never returns: the console is dead
    }
}
