using System.Text;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Core.Steps;

/// <summary>
/// Plan steps that make the configured boot loader (<see cref="EngineOptions.BootLoader"/>) boot a BE,
/// each with its undo as data (ADR 0016). GRUB: the console's menu of BE entries, <c>saved_entry</c>
/// (grub-set-default) and <c>next_entry</c> (grub-reboot) with grub-editenv. systemd-boot: an entry file
/// per BE, the <c>default</c> line of loader.conf, the <c>LoaderEntryOneShot</c> EFI variable.
/// ZFSBootMenu: the BE's kernel command line. Every step is planned only when it changes something.
/// </summary>
public static class BootLoaderSteps
{
    public const string SavedEntry = "saved_entry";
    public const string NextEntry = "next_entry";
    public const string OneShotVariable = "LoaderEntryOneShot";
    private const string Prefix = "snapupgrade-";
    private const string Conf = ".conf";

    /// <summary>GRUB's menu entry id, or systemd-boot's entry id (its file name), of a BE.</summary>
    public static string EntryId(BootLoaderKind kind, string be) => kind == BootLoaderKind.SystemdBoot ? $"{Prefix}{be}{Conf}" : $"{Prefix}{be}";

    /// <summary>The BE a console entry id names, or null for any other entry.</summary>
    public static string? BeOfEntry(BootLoaderKind kind, string? id)
    {
        if (id is null || !id.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var be = id[Prefix.Length..];
        if (kind == BootLoaderKind.SystemdBoot)
            be = be.EndsWith(Conf, StringComparison.Ordinal) ? be[..^Conf.Length] : "";
        return Names.Check(be) is null ? be : null;
    }

    /// <summary>Why a one-shot activation cannot be honoured by this host's boot, or null when it can.</summary>
    public static OperationError? OneShotRefusal(EngineOptions options) => options.BootLoader.Kind switch
    {
        BootLoaderKind.ZfsBootMenu => new(ErrorCode.OneShotUnsupported,
            "ZFSBootMenu boots the pool's bootfs and has no one-shot boot: activate the BE, or choose it in ZFSBootMenu's menu at the next boot."),
        BootLoaderKind.None when !options.CanBootInProcess => new(ErrorCode.OneShotUnsupported,
            "No boot loader is configured (SnapUpgrade:BootLoader is none), so nothing would honour a one-shot boot: set it to grub or systemd-boot, or activate the BE."),
        _ => null,
    };

    /// <summary>The global BEs with their datasets: what the loader's entries are made of.</summary>
    public static List<(string Name, string Dataset)> Entries(HostState state) =>
        [.. state.BootEnvironments.Select(b => (b.Name, b.Dataset))];

    /// <summary>
    /// Makes the loader's entries those of <paramref name="bes"/>: GRUB's menu written again; for
    /// systemd-boot each BE's entry file written and the console's entries of other BEs removed.
    /// </summary>
    public static void PlanEntries(OperationContext context, Plan plan, string pool, IEnumerable<(string Name, string Dataset)> bes)
    {
        var loader = context.Options.BootLoader;
        if (loader.Kind == BootLoaderKind.Grub)
        {
            RequireDirectory(context, FileSteps.Parent(loader.GrubMenu), "GRUB's directory");
            WriteFile(context, plan, $"write the GRUB menu of the boot environments ({loader.GrubMenu})", loader.GrubMenu,
                Encoding.UTF8.GetBytes(GrubMenu(pool, bes)));
        }
        else if (loader.Kind == BootLoaderKind.SystemdBoot)
        {
            var files = Ports(context).Files;
            RequireDirectory(context, loader.EntriesDirectory, "systemd-boot's entries directory");
            var wanted = bes.ToDictionary(b => EntryId(BootLoaderKind.SystemdBoot, b.Name), b => b);
            foreach (var (id, be) in wanted)
                WriteFile(context, plan, $"write the systemd-boot entry of {be.Name}", $"{loader.EntriesDirectory}/{id}",
                    Encoding.UTF8.GetBytes(SystemdBootEntry(be.Name, be.Dataset)));
            foreach (var id in files.List(loader.EntriesDirectory).Where(n => BeOfEntry(BootLoaderKind.SystemdBoot, n) is not null && !wanted.ContainsKey(n)))
                WriteFile(context, plan, $"remove the systemd-boot entry {id}", $"{loader.EntriesDirectory}/{id}", null);
        }
    }

    /// <summary>
    /// The state with the configured loader's name and, for GRUB and systemd-boot, whether each BE has
    /// its entry (read only: the menu's ids, the entries directory's names).
    /// </summary>
    public static HostState Describe(OperationContext context, HostState state)
    {
        var loader = context.Options.BootLoader;
        state = state with { BootLoader = BootLoaderOptions.Name(loader.Kind) };
        if (context.Loader is not { } ports || loader.Kind is not (BootLoaderKind.Grub or BootLoaderKind.SystemdBoot)) return state;
        HashSet<string> present;
        try
        {
            present = loader.Kind == BootLoaderKind.SystemdBoot
                ? [.. ports.Files.List(loader.EntriesDirectory)]
                : ports.Files.GetKind(loader.GrubMenu) == FileKind.File
                    ? [.. Encoding.UTF8.GetString(ports.Files.ReadAllBytes(loader.GrubMenu)).Split(' ')]
                    : [];
        }
        catch (IOException)
        {
            present = []; // missing, or a link: no entry the console made
        }
        return state with
        {
            BootEnvironments = [.. state.BootEnvironments.Select(b => b with { HasLoaderEntry = present.Contains(EntryId(loader.Kind, b.Name)) })],
        };
    }

    /// <summary>
    /// Makes the loader boot <paramref name="be"/> from now on: GRUB's <c>saved_entry</c>, systemd-boot's
    /// <c>default</c>; for ZFSBootMenu the booted BE's own kernel command line is copied to a BE that has
    /// none (its own or inherited), so it boots with the options the running system was given.
    /// </summary>
    public static async Task PlanDefaultAsync(OperationContext context, Plan plan, HostState state, BootEnvironment be, CancellationToken ct)
    {
        var loader = context.Options.BootLoader;
        switch (loader.Kind)
        {
            case BootLoaderKind.Grub:
                await SetVariableAsync(context, plan, $"make {be.Name} GRUB's default entry (grub-set-default)", SavedEntry, EntryId(loader.Kind, be.Name), ct);
                break;
            case BootLoaderKind.SystemdBoot:
                var files = Ports(context).Files;
                var conf = files.GetKind(loader.LoaderConf) == FileKind.Missing ? null : files.ReadAllBytes(loader.LoaderConf);
                WriteFile(context, plan, $"make {be.Name} systemd-boot's default entry (loader.conf)", loader.LoaderConf,
                    WithDefault(conf, EntryId(loader.Kind, be.Name)));
                break;
            case BootLoaderKind.ZfsBootMenu:
                var listing = await context.ListingAsync(ct);
                var booted = state.Booted is null ? null : listing.Find(state.Booted.Dataset)?.ZbmCommandLine;
                if (booted is not null && CommandLineOf(listing, be.Dataset) is null)
                    context.AddZfs(plan, $"give {be.Name} the booted BE's kernel command line ({UserProperties.ZbmCommandLine})",
                        new ZfsSet(be.Dataset, UserProperties.ZbmCommandLine, booted), new ZfsInherit(be.Dataset, UserProperties.ZbmCommandLine));
                break;
        }
    }

    /// <summary>
    /// Makes the loader boot <paramref name="be"/> on the next boot only (GRUB's <c>next_entry</c>, as
    /// grub-reboot; systemd-boot's <c>LoaderEntryOneShot</c>, as bootctl set-oneshot), or, null, drops
    /// a one-shot boot the loader holds. Nothing for loaders without one (refused before: <see cref="OneShotRefusal"/>).
    /// </summary>
    public static Task PlanOneShotAsync(OperationContext context, Plan plan, string? be, CancellationToken ct)
    {
        var kind = context.Options.BootLoader.Kind;
        var id = be is null ? null : EntryId(kind, be);
        var what = be is null ? "drop the boot loader's one-shot boot" : $"boot {be} on the next boot only";
        return kind switch
        {
            BootLoaderKind.Grub => SetVariableAsync(context, plan, $"{what} (GRUB next_entry, grub-reboot)", NextEntry, id, ct),
            BootLoaderKind.SystemdBoot => SetVariableAsync(context, plan, $"{what} (EFI {OneShotVariable}, bootctl set-oneshot)", OneShotVariable, id, ct),
            _ => Task.CompletedTask,
        };
    }

    /// <summary>
    /// What the loader boots next, as the loader would choose at boot: its one-shot entry when it names
    /// a BE (<c>Once</c>), else its default entry; null when the loader names no BE (then bootfs decides).
    /// </summary>
    public static async Task<(string Be, bool Once)?> NextBootAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var loader = context.Options.BootLoader;
        if (loader.Kind is not (BootLoaderKind.Grub or BootLoaderKind.SystemdBoot)) return null;
        var ports = Ports(context);
        var (onceVariable, persistent) = loader.Kind == BootLoaderKind.Grub
            ? (NextEntry, await ports.Variables.GetAsync(SavedEntry, ct))
            : (OneShotVariable, ports.Files.GetKind(loader.LoaderConf) == FileKind.File ? DefaultOf(ports.Files.ReadAllBytes(loader.LoaderConf)) : null);
        if (BeOfEntry(loader.Kind, await ports.Variables.GetAsync(onceVariable, ct)) is { } once && state.Find(once) is not null)
            return (once, true);
        return BeOfEntry(loader.Kind, persistent) is { } be && state.Find(be) is not null ? (be, false) : null;
    }

    /// <summary>
    /// Whether the loader has used the one-shot boot the console marked: GRUB clears <c>next_entry</c> and
    /// systemd-boot its EFI variable when they boot it, so a mark whose entry the loader no longer holds
    /// is spent (it outlives a real reboot; only the lab's boot drops it itself). False without a mark and
    /// for loaders that hold no one-shot.
    /// </summary>
    public static async Task<bool> OneShotUsedAsync(OperationContext context, HostState state, CancellationToken ct)
    {
        var kind = context.Options.BootLoader.Kind;
        if (state.NextBoot is not { } marked || kind is not (BootLoaderKind.Grub or BootLoaderKind.SystemdBoot)) return false;
        var once = await Ports(context).Variables.GetAsync(kind == BootLoaderKind.Grub ? NextEntry : OneShotVariable, ct);
        return BeOfEntry(kind, once) != marked.Name;
    }

    /// <summary>Runs an <see cref="UndoLoaderFile"/>: the file as it was, or gone when there was none.</summary>
    public static void Restore(IHostFiles files, UndoLoaderFile undo)
    {
        var kind = files.GetKind(undo.Path);
        if (undo.Previous is null)
        {
            if (kind == FileKind.File) files.Delete(undo.Path);
        }
        else if (kind != FileKind.File || !files.ReadAllBytes(undo.Path).AsSpan().SequenceEqual(undo.Previous))
        {
            files.WriteAllBytes(undo.Path, undo.Previous);
        }
    }

    /// <summary>
    /// The console's GRUB menu: one entry per BE, kernel and initrd read from the BE itself
    /// (<c>/ROOT/be@/boot/vmlinuz</c>, relative to the pool GRUB's <c>root</c> is set to), root=ZFS=dataset.
    /// </summary>
    public static string GrubMenu(string pool, IEnumerable<(string Name, string Dataset)> bes)
    {
        var menu = new StringBuilder()
            .Append("# The boot environments of ").Append(pool).Append(", written by SnapUpgrade Console at each change: do not edit.\n")
            .Append("# grub.cfg reads it from /etc/grub.d/40_custom: source ${config_directory}/snapupgrade.cfg\n");
        foreach (var (name, dataset) in bes)
        {
            var inPool = dataset[dataset.IndexOf('/', StringComparison.Ordinal)..];
            menu.Append("menuentry '").Append(name).Append(" (boot environment)' --id ").Append(EntryId(BootLoaderKind.Grub, name)).Append(" {\n")
                .Append("\tlinux ").Append(inPool).Append("@/boot/vmlinuz root=ZFS=").Append(dataset).Append(" ro\n")
                .Append("\tinitrd ").Append(inPool).Append("@/boot/initrd.img\n")
                .Append("}\n");
        }
        return menu.ToString();
    }

    /// <summary>A systemd-boot entry for a BE: the kernel and initrd on the ESP, the BE chosen by root=ZFS=.</summary>
    public static string SystemdBootEntry(string be, string dataset) =>
        $"# Boot environment {be}, written by SnapUpgrade Console: do not edit.\n" +
        $"title   {be} (boot environment)\nlinux   /vmlinuz\ninitrd  /initrd.img\noptions root=ZFS={dataset} rw\n";

    /// <summary>
    /// loader.conf with its <c>default</c> line set to <paramref name="id"/>, every other byte as it was
    /// (Latin-1 maps bytes to characters one to one); a file without one gets the line at its end.
    /// </summary>
    public static byte[] WithDefault(byte[]? conf, string id)
    {
        var text = conf is null ? "" : Encoding.Latin1.GetString(conf);
        var lines = text.Split('\n');
        var i = Array.FindIndex(lines, IsDefault);
        if (i < 0)
            return Encoding.Latin1.GetBytes(text + (text.Length == 0 || text.EndsWith('\n') ? "" : "\n") + $"default {id}\n");
        lines[i] = $"default {id}" + (lines[i].EndsWith('\r') ? "\r" : "");
        return Encoding.Latin1.GetBytes(string.Join('\n', lines));
    }

    /// <summary>The entry id of loader.conf's <c>default</c> line, or null.</summary>
    public static string? DefaultOf(byte[] conf) =>
        Encoding.Latin1.GetString(conf).Split('\n').FirstOrDefault(IsDefault)?.Trim()["default".Length..].Trim();

    private static bool IsDefault(string line)
    {
        var t = line.TrimStart();
        return t.StartsWith("default", StringComparison.Ordinal) && (t.Length == "default".Length || char.IsWhiteSpace(t["default".Length]));
    }

    /// <summary>The dataset's kernel command line, its own or inherited from a parent; null when none sets one.</summary>
    private static string? CommandLineOf(PoolListing listing, string dataset)
    {
        for (var d = dataset; ; d = d[..d.LastIndexOf('/')])
        {
            if (listing.Find(d)?.ZbmCommandLine is { } own) return own;
            if (!d.Contains('/', StringComparison.Ordinal)) return null;
        }
    }

    private static async Task SetVariableAsync(OperationContext context, Plan plan, string description, string name, string? value, CancellationToken ct)
    {
        var ports = Ports(context);
        var loader = context.Options.BootLoader;
        if (loader.Kind == BootLoaderKind.Grub && ports.Files.GetKind(loader.GrubEnv) == FileKind.Symlink)
            throw new UnsafePathException(loader.GrubEnv, "GRUB's environment block is a symbolic link");
        var previous = await ports.Variables.GetAsync(name, ct);
        if (previous == value) return;
        plan.Add(description, ports.Variables.DescribeSet(name, value),
            run => ports.Variables.SetAsync(name, value, run.Ct), new UndoLoaderVariable(name, previous));
    }

    /// <summary>Writes (or, null, removes) a loader file the console owns; planned only when it changes it. Never through a link.</summary>
    private static void WriteFile(OperationContext context, Plan plan, string description, string path, byte[]? content)
    {
        var files = Ports(context).Files;
        var kind = files.GetKind(path);
        if (kind is not (FileKind.File or FileKind.Missing))
            throw new UnsafePathException(path, $"it is a {kind}, not a file the console wrote");
        var previous = kind == FileKind.Missing ? null : files.ReadAllBytes(path);
        if (previous is null ? content is null : content is not null && previous.AsSpan().SequenceEqual(content)) return;
        plan.Add(description, content is null ? ["rm", "--", path] : ["tee", path], _ =>
        {
            if (content is null) files.Delete(path);
            else files.WriteAllBytes(path, content);
            return Task.CompletedTask;
        }, new UndoLoaderFile(path, previous));
    }

    private static void RequireDirectory(OperationContext context, string path, string what)
    {
        var kind = Ports(context).Files.GetKind(path);
        if (kind == FileKind.Symlink) throw new UnsafePathException(path, $"{what} is a symbolic link");
        if (kind != FileKind.Directory)
            throw new OperationRefusedException(new(ErrorCode.NotSupported,
                $"{what} {path} is missing: is the boot partition mounted, and SnapUpgrade:BootLoader set right?"));
    }

    private static LoaderPorts Ports(OperationContext context) => context.Loader
        ?? throw new InvalidOperationException($"The boot loader {BootLoaderOptions.Name(context.Options.BootLoader.Kind)} is configured without its files and variables.");
}
