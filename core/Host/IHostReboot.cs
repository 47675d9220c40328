namespace SnapUpgrade.Core.Host;

/// <summary>
/// The host's own way to reboot (the configured reboot command): "ask the host to reboot". It
/// returns once the host accepted the request; the host then stops this process with everything
/// else, so a caller cannot count on running much longer. Implementation: <c>RebootCommand</c>
/// (an argv, never a shell line). Where the host boots in process (the simulator, lab pools) there is none.
/// </summary>
public interface IHostReboot
{
    /// <summary>What <see cref="RequestAsync"/> runs, shown in the plan so a dry run shows exactly that.</summary>
    IReadOnlyList<string> Argv { get; }

    /// <summary>Asks the host to reboot; throws, naming the exit code and stderr, when it was not accepted.</summary>
    Task RequestAsync(CancellationToken ct = default);
}
