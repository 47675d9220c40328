namespace SnapUpgrade.Infra.Remote;

/// <summary>
/// The web could not talk to the engine: the socket is missing, nothing listens on it, this user may not
/// use it, or the engine speaks another protocol. The message says which and what to do; the page's banner,
/// the log and /healthz show it as it is.
/// </summary>
public sealed class EngineUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
