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

    public async ValueTask DisposeAsync()
    {
        if (_lab is not null) await _lab.DisposeAsync();
        if (_host is not null) await _host.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
