using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Core.Operations;

/// <summary>
/// Moves a BE's (and its zone BEs') real /var/adm, /var/log, /var/mail, /var/spool into the shared
/// dataset and replaces each by the relative link <c>shared/&lt;dir&gt;</c>. A name that already exists
/// in the shared dataset is kept side by side (<c>name.&lt;be&gt;</c>), never overwritten; nothing is lost;
/// the report lists what moved. Links that point elsewhere are left alone and reported.
/// </summary>
public sealed record MigrateShared(string Name) : IOperation
{
    public string Action => "migrate-shared";
    public string? Target => Name;

    public OperationError? Validate(HostState state)
    {
        if (Checks.Existing(state, Name, out var be) is { } error) return error;
        if (state.SharedDatasets.FirstOrDefault(s => s.Zone is null) is not { MountedAt: Layout.SharedMountPoint })
            return new(ErrorCode.SharedMissing, $"{state.Pool}/VARSHARED is missing or not mounted at {Layout.SharedMountPoint}; run shared init first.");
        var zone = be.ZoneBes.Select(zb => state.FindZone(zb.Zone)!).FirstOrDefault(z => z.Shared?.MountedAt is null);
        return zone is null
            ? null
            : new(ErrorCode.SharedMissing, $"Zone '{zone.Name}' has no mounted shared dataset ({state.Pool}/zones/{zone.Name}/VARSHARED); run shared init, and boot the zone's BE.");
    }

    public Task<Plan> PlanAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var be = state.Find(Name)!;
        var plan = new Plan();
        var mounts = new TemporaryMount();
        var root = mounts.Plan(context, plan, Name, be.Dataset, be.IsBooted ? "/" : be.MountedAt, "/");
        PlanTree(context, plan, Name, root, Layout.SharedMountPoint);
        foreach (var zoneBe in be.ZoneBes)
        {
            var zoneRoot = mounts.Plan(context, plan, $"{zoneBe.Zone}-{Name}", zoneBe.Dataset, zoneBe.MountedAt, Layout.ZoneRoot(zoneBe.Zone));
            PlanTree(context, plan, $"{Name} (zone {zoneBe.Zone})", zoneRoot, state.FindZone(zoneBe.Zone)!.Shared!.MountedAt!);
        }
        mounts.Release(plan);
        return Task.FromResult(plan);
    }

    private static void PlanTree(OperationContext context, Plan plan, string label, string root, string shared)
    {
        foreach (var dir in Layout.SharedDirectories)
        {
            var migration = new DirectoryMigration(context.Files, plan.Report, label, Layout.Under(root, $"/var/{dir}"), $"{shared}/{dir}", dir);
            plan.Add($"migrate /var/{dir} of {label} to {shared}/{dir}", ["migrate", migration.Source, migration.Destination],
                _ => migration.RunAsync(), _ => migration.UndoAsync());
        }
    }
}

/// <summary>One directory's move into the shared dataset, remembering each move so it can be undone.</summary>
internal sealed class DirectoryMigration(IHostFiles files, List<string> report, string label, string source, string destination, string dir)
{
    private readonly List<(string From, string To)> _moved = [];
    private bool _madeDestination;
    private bool _removedSource;
    private bool _linked;

    public string Source => source;
    public string Destination => destination;

    public Task RunAsync()
    {
        var kind = files.GetKind(source);
        var state = SharedLinks.Classify(kind, kind == FileKind.Symlink ? files.ReadLink(source) : null, dir);
        if (state == SharedDirState.Ok) return Task.CompletedTask;
        if (state == SharedDirState.Wrong)
        {
            report.Add($"{label}: {source} is not a directory nor the link {SharedLinks.Target(dir)}; left alone.");
            return Task.CompletedTask;
        }
        if (files.GetKind(destination) == FileKind.Missing)
        {
            files.CreateDirectory(destination);
            _madeDestination = true;
        }
        if (state == SharedDirState.NotMigrated)
        {
            foreach (var name in files.List(source))
            {
                var to = FreeName(name, label);
                files.Move($"{source}/{name}", to);
                _moved.Add(($"{source}/{name}", to));
                report.Add(to.EndsWith("/" + name, StringComparison.Ordinal)
                    ? $"{label}: moved {source}/{name} to {to}"
                    : $"{label}: moved {source}/{name} to {to} ({destination}/{name} already existed and was kept)");
            }
            files.Delete(source);
            _removedSource = true;
        }
        files.CreateSymlink(source, SharedLinks.Target(dir));
        _linked = true;
        report.Add($"{label}: {source} is now the link {SharedLinks.Target(dir)}");
        return Task.CompletedTask;
    }

    public Task UndoAsync()
    {
        if (_linked) files.Delete(source);
        if (_removedSource) files.CreateDirectory(source);
        for (var i = _moved.Count - 1; i >= 0; i--) files.Move(_moved[i].To, _moved[i].From);
        if (_madeDestination) files.Delete(destination);
        _moved.Clear();
        _linked = _removedSource = _madeDestination = false;
        return Task.CompletedTask;
    }

    /// <summary>The name in the shared dataset: the same, or side by side as name.&lt;be&gt;[.N] when taken.</summary>
    private string FreeName(string name, string be)
    {
        var candidate = $"{destination}/{name}";
        var suffix = be.Split(' ')[0];
        for (var n = 1; files.GetKind(candidate) != FileKind.Missing; n++)
            candidate = n == 1 ? $"{destination}/{name}.{suffix}" : $"{destination}/{name}.{suffix}.{n}";
        return candidate;
    }
}
