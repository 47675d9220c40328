// The console's light/dark choice, kept in this browser only (no request leaves the host).
window.suTheme = {
    get: function () { try { return localStorage.getItem("su-theme"); } catch (e) { return null; } },
    set: function (value) { try { localStorage.setItem("su-theme", value); } catch (e) { } },
};
