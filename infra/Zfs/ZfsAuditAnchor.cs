using SnapUpgrade.Core.Audit;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Zfs;

/// <summary>
/// The audit anchor as the user property <see cref="UserProperties.AuditHead"/> on the pool's root
/// dataset, through <see cref="IZfs"/> (so the simulator keeps it as zfs does, and <c>zpool history</c>
/// records every value on a real pool).
/// </summary>
public sealed class ZfsAuditAnchor(IZfs zfs, string pool) : IAuditAnchor
{
    public async Task<AuditHead?> ReadAsync(CancellationToken ct = default) =>
        AuditHead.Parse((await zfs.ListAsync(pool, ct)).Find(pool)?.AuditHead);

    public Task WriteAsync(AuditHead head, CancellationToken ct = default) =>
        zfs.ExecuteAsync(new ZfsSet(pool, UserProperties.AuditHead, head.ToString()), ct);
}
