using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Web.Components.Dialogs;

/// <summary>The sentence a snackbar shows for a result, when the dialog has no sentence of its own.</summary>
public static class ResultSentence
{
    /// <param name="what">The subject, e.g. "Create zone" (the dialog's title); the target is added when it does not name it.</param>
    public static string Of(OperationResult result, string what)
    {
        if (result.Target is { } target && !what.Contains(target, StringComparison.Ordinal)) what = $"{what} {target}";
        return result.Outcome switch
        {
            Outcome.Succeeded => $"{what}: done.",
            Outcome.Refused => $"{what}: refused. {result.Error?.Message}",
            _ => $"{what}: {result.Outcome.ToString().ToLowerInvariant()}. {result.Error?.Message}",
        };
    }
}
