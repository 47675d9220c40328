namespace SnapUpgrade.Web.Components.Dialogs;

/// <summary>What the fields of a <see cref="ConfirmOperationDialog"/> say: its text field (empty when it has none) and its switch.</summary>
public sealed record DialogFields(string Text, bool Option);
