using SnapUpgrade.Core.Lab;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Contract;

/// <summary>Short forms the contract suites use against any <see cref="ITestHost"/>.</summary>
internal static class TestHostExtensions
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Layout Layout(this ITestHost host) => new(host.Pool);

    public static Task<PoolListing> ListAsync(this ITestHost host) => host.Zfs.ListAsync(host.Pool, Ct);

    public static async Task<ZfsDataset> GetAsync(this ITestHost host, string name) =>
        (await host.ListAsync()).Find(name) ?? throw new Xunit.Sdk.XunitException($"{name} is not listed on {host.Name}");

    public static Task RunAsync(this ITestHost host, ZfsCommand command) => host.Zfs.ExecuteAsync(command, Ct);

    /// <summary>A booted layout: pool/ROOT, BE "be1" mounted at "/", and pool/VARSHARED at /var/shared.</summary>
    public static Task<string> BootAsync(this ITestHost host, bool withShared = true) =>
        LabBootstrap.InitializeAsync(host.Zfs, host.Files, host.Pool, "be1", withShared, Ct);

    /// <summary>A clone of be1 that does not mount (clone noauto, then mountpoint=/: TESTING.md).</summary>
    public static async Task<string> CloneBeAsync(this ITestHost host, string snapshot, string name)
    {
        var target = host.Layout().Be(name);
        await host.RunAsync(new ZfsClone(snapshot, target, Props(("canmount", "noauto"))));
        await host.RunAsync(new ZfsSet(target, "mountpoint", "/"));
        return target;
    }

    public static IReadOnlyDictionary<string, string> Props(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);

    public static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
