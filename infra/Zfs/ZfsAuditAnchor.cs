using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Zfs;

/// <summary>
/// The audit anchor as the user property <see cref="UserProperties.AuditHead"/> on the pool's root
/// dataset, through <see cref="IZfs"/> (so the simulator keeps it as zfs does, and <c>zpool history</c>
/// records every value on a real pool).
/// </summary>
/// <param name="engine">The engine of the pool, when there is one: it writes the anchor as its own change (<see cref="BeEngine.WriteAuditAnchorAsync"/>).</param>
public sealed class ZfsAuditAnchor(IZfs zfs, string pool, BeEngine? engine = null) : IAuditAnchor
{
    public async Task<AuditHead?> ReadAsync(CancellationToken ct = default) =>
        AuditHead.Parse((await zfs.ListAsync(pool, ct)).Find(pool)?.AuditHead);

    public Task WriteAsync(AuditHead head, CancellationToken ct = default) => engine is not null
        ? engine.WriteAuditAnchorAsync(head.ToString(), ct)
        : zfs.ExecuteAsync(new ZfsSet(pool, UserProperties.AuditHead, head.ToString()), ct);
}
