namespace SnapUpgrade.Core.Engine;

/// <summary>Which boot loader boots this host: what activation tells besides the pool's <c>bootfs</c> (ADR 0016).</summary>
public enum BootLoaderKind
{
    /// <summary>Only <c>bootfs</c>, for loaders that read it; one-shot only where the boot is in process.</summary>
    None,
    /// <summary><c>bootfs</c> and the BE's kernel command line property; no one-shot.</summary>
    ZfsBootMenu,
    /// <summary>The console's menu of BE entries, <c>saved_entry</c> and <c>next_entry</c> in grubenv.</summary>
    Grub,
    /// <summary>A loader entry per BE on the ESP, <c>default</c> in loader.conf, the <c>LoaderEntryOneShot</c> EFI variable.</summary>
    SystemdBoot,
}

/// <summary>The configured boot loader and where its files are (host paths).</summary>
public sealed record BootLoaderOptions
{
    public BootLoaderKind Kind { get; init; } = BootLoaderKind.None;
    /// <summary>GRUB's environment block, changed only with grub-editenv.</summary>
    public string GrubEnv { get; init; } = "/boot/grub/grubenv";
    /// <summary>The console's own GRUB menu: one entry per BE, sourced by the host's grub.cfg (README).</summary>
    public string GrubMenu { get; init; } = "/boot/grub/snapupgrade.cfg";
    /// <summary>The EFI system partition systemd-boot reads (<c>loader/loader.conf</c>, <c>loader/entries/</c>).</summary>
    public string Esp { get; init; } = "/boot/efi";

    public string LoaderConf => $"{Esp.TrimEnd('/')}/loader/loader.conf";
    public string EntriesDirectory => $"{Esp.TrimEnd('/')}/loader/entries";

    /// <summary>The setting's words, as <c>SnapUpgrade:BootLoader</c> takes them.</summary>
    public static string Name(BootLoaderKind kind) => kind switch
    {
        BootLoaderKind.ZfsBootMenu => "zfsbootmenu",
        BootLoaderKind.Grub => "grub",
        BootLoaderKind.SystemdBoot => "systemd-boot",
        _ => "none",
    };
}
