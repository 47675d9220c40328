namespace SnapUpgrade.Web.Components.Dialogs;

/// <summary>What the step after an operation (the reboot of "activate and reboot") came to, for the snackbar.</summary>
public sealed record RebootResult(bool Succeeded, string Message);
