using Microsoft.Extensions.Logging.Abstractions;
using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Tests.Support.Fakes;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

/// <summary>
/// Only the console holding the engine judges trials: a standby console (its judge null) does not even
/// watch, so it neither runs the health command nor audits a refused verdict at every change.
/// </summary>
public sealed class TrialWatchTests
{
    [Fact]
    public async Task Start_WithoutAJudge_DoesNotWatch()
    {
        var stream = new CountingStream();
        using var watch = new TrialWatch(stream, () => null, NullLogger<TrialWatch>.Instance);

        await watch.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, stream.Subscriptions);
    }

    /// <summary>
    /// A host that stopped by itself disposes its services; disposing it later (WebApplicationFactory) asks them
    /// to stop again. That second stop threw ObjectDisposedException: a "Test Class Cleanup Failure" seen in CI.
    /// </summary>
    [Fact]
    public async Task Stop_AfterDispose_OrTwice_DoesNothing()
    {
        var engine = new FakeEngine();
        var judge = new TrialJudge(engine, new AuditedOperations(engine, new NoAudit()), health: null);
        var watch = new TrialWatch(new CountingStream(), () => judge, NullLogger<TrialWatch>.Instance);
        await watch.StartAsync(TestContext.Current.CancellationToken);
        await watch.StopAsync(TestContext.Current.CancellationToken);
        watch.Dispose();

        Assert.Null(await Record.ExceptionAsync(() => watch.StopAsync(TestContext.Current.CancellationToken)));

        var disposedFirst = new TrialWatch(new CountingStream(), () => judge, NullLogger<TrialWatch>.Instance);
        await disposedFirst.StartAsync(TestContext.Current.CancellationToken);
        disposedFirst.Dispose();
        Assert.Null(await Record.ExceptionAsync(() => disposedFirst.StopAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Start_WithAJudge_Watches()
    {
        var stream = new CountingStream();
        var engine = new FakeEngine();
        var judge = new TrialJudge(engine, new AuditedOperations(engine, new NoAudit()), health: null);
        using var watch = new TrialWatch(stream, () => judge, NullLogger<TrialWatch>.Instance);

        await watch.StartAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, stream.Subscriptions);
        Assert.False(stream.Watching, "the trial watch kept the watcher reading: it only hears what is read anyway");
    }

    private sealed class CountingStream : IHostStateStream
    {
        public int Subscriptions { get; private set; }
        public HostState? Current => null;
        public string? Error => null;

        public bool Watching { get; private set; }

        public IDisposable Subscribe(Action<HostState> onChange, bool watching)
        {
            Subscriptions++;
            Watching |= watching;
            return new CancellationTokenSource();
        }

        public IDisposable SubscribeErrors(Action<string?> onError) => throw new NotSupportedException();
        public Task<HostState> LatestAsync(CancellationToken ct = default) => throw new NotSupportedException();
        public void Nudge() { }
    }

    /// <summary>Never called: a watch that starts writes nothing.</summary>
    private sealed class NoAudit : IAuditLog
    {
        public Task EnsureWritableAsync(CancellationToken ct = default) => throw new NotSupportedException();
        public Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<AuditPage> QueryAsync(AuditQuery query, CancellationToken ct = default) => throw new NotSupportedException();
        public IAsyncEnumerable<AuditEntry> StreamAsync(AuditQuery query, CancellationToken ct = default) => throw new NotSupportedException();
        public Task<ChainVerification> VerifyAsync(CancellationToken ct = default) => throw new NotSupportedException();
    }
}
