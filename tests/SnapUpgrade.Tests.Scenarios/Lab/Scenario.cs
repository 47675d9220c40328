using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios.Lab;

/// <summary>Each test gets its own pool and a booted lab host on it, destroyed afterwards.</summary>
public abstract class Scenario<TBackend> : IAsyncLifetime where TBackend : IBackend
{
    private ITestHost? _host;
    private EngineLab? _lab;

    protected EngineLab Lab => _lab ?? throw new InvalidOperationException("the lab is not started");

    protected virtual bool WithShared => true;

    public async ValueTask InitializeAsync()
    {
        _host = await TBackend.CreateHostAsync();
        _lab = await EngineLab.StartAsync(_host, WithShared);
    }

    /// <summary>
    /// Throws the pool away and starts again on a fresh one: for a test that needs the host as it
    /// was before an operation that cannot be taken back (a destroy) ran.
    /// </summary>
    protected async Task FreshLabAsync(bool? withShared = null)
    {
        await DisposeLabAsync();
        _host = await TBackend.CreateHostAsync();
        _lab = await EngineLab.StartAsync(_host, withShared ?? WithShared);
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeLabAsync();
        GC.SuppressFinalize(this);
    }

    private async Task DisposeLabAsync()
    {
        if (_lab is not null) await _lab.DisposeAsync();
        if (_host is not null) await _host.DisposeAsync();
        (_lab, _host) = (null, null);
    }
}
