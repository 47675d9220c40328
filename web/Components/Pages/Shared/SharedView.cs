using SnapUpgrade.Core.Model;

namespace SnapUpgrade.Web.Components.Pages.Shared;

/// <summary>What the Shared page shows: the datasets and the per-BE directory health.</summary>
public sealed record SharedView(HostState State, SharedHealthReport Health);
