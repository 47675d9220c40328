using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using SnapUpgrade.Core.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

public sealed class PlanExecutorTests
{
    private readonly List<string> _log = [];
    private readonly PlanExecutor _executor = new(new EngineOptions { Pool = "p", BusyRetryDelay = TimeSpan.Zero }, NullLogger.Instance);

    private void Reversible(Plan plan, string name, Func<bool>? fail = null) =>
        plan.Add(name, [name], _ => Do(name, fail), _ => Do("undo " + name));

    private void Irreversible(Plan plan, string name, Func<bool>? fail = null) =>
        plan.Add(name, [name], _ => Do(name, fail));

    private Task Do(string what, Func<bool>? fail = null)
    {
        if (fail?.Invoke() == true) throw new ZfsCommandException(["zfs", what], 1, "boom");
        _log.Add(what);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Execute_FailureBeforeNoReturn_UndoesInReverseAndRethrows()
    {
        var plan = new Plan();
        Reversible(plan, "a");
        Reversible(plan, "b");
        Reversible(plan, "c", () => true);

        await Assert.ThrowsAsync<ZfsCommandException>(() => _executor.ExecuteAsync(plan, TestContext.Current.CancellationToken));

        Assert.Equal(["a", "b", "undo b", "undo a"], _log);
    }

    [Fact]
    public async Task Execute_FailureAfterNoReturn_RetriesForwardInsteadOfUndoing()
    {
        var failures = 1;
        var plan = new Plan();
        Reversible(plan, "promote");
        Irreversible(plan, "destroy");
        Irreversible(plan, "destroy origin", () => failures-- > 0);

        await _executor.ExecuteAsync(plan, TestContext.Current.CancellationToken);

        Assert.Equal(["promote", "destroy", "destroy origin"], _log);
    }

    [Fact]
    public async Task Execute_BusyDataset_IsRetriedBriefly()
    {
        var busy = 2;
        var plan = new Plan();
        plan.Add("unmount", ["zfs"], _ => busy-- > 0
            ? throw new ZfsCommandException(["zfs", "destroy"], 1, "cannot destroy: dataset is busy")
            : Do("destroyed"), _ => Task.CompletedTask);

        await _executor.ExecuteAsync(plan, TestContext.Current.CancellationToken);

        Assert.Equal(["destroyed"], _log);
    }
}
