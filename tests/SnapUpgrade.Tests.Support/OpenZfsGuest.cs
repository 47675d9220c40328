namespace SnapUpgrade.Tests.Support;

/// <summary>
/// The trait that keeps a zfs-fuse scenario or API scenario out of the OpenZFS guest (tests/openzfs/guest.sh filters
/// <c>OpenZfsGuest!=left-out</c>): a test whose subject is the engine's or the loader's own logic, the same on
/// every ZFS, so it runs on zfs-fuse and the simulator on the host and would only add minutes under the guest's
/// emulated CPU. Each such test says why beside the trait. Never a way to hide a failure: the test runs on
/// every host run, in CI too.
/// </summary>
public static class OpenZfsGuest
{
    public const string Trait = "OpenZfsGuest";
    public const string LeftOut = "left-out";
}
