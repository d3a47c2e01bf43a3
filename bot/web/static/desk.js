// The coach's desk: log in with Telegram's launch data, follow Telegram's theme, small comforts.
// Everything works without Telegram's own script; the pages themselves work without this file
// except the login, which must read the launch data from the address's fragment.
(function () {
  "use strict";
  var THEME = {
    bg_color: "--bg", text_color: "--text", hint_color: "--hint", link_color: "--link",
    button_color: "--button", button_text_color: "--button-text",
    secondary_bg_color: "--secondary-bg"
  };

  function launchParams() {
    var hash = window.location.hash.slice(1);
    return new URLSearchParams(hash);
  }

  function applyTheme(theme) {
    if (!theme) { return; }
    var root = document.documentElement.style;
    Object.keys(THEME).forEach(function (key) {
      var value = theme[key];
      if (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
        root.setProperty(THEME[key], value);
      }
    });
  }

  function theme() {
    var raw = launchParams().get("tgWebAppThemeParams");
    if (raw) {
      try { window.sessionStorage.setItem("desk-theme", raw); } catch (e) { /* private mode */ }
    } else {
      try { raw = window.sessionStorage.getItem("desk-theme"); } catch (e) { raw = null; }
    }
    if (raw) {
      try { applyTheme(JSON.parse(raw)); } catch (e) { /* not ours to fix */ }
    }
  }

  function show(id) {
    ["login-wait", "login-none", "login-refused"].forEach(function (other) {
      var element = document.getElementById(other);
      if (element) { element.hidden = other !== id; }
    });
  }

  function login() {
    var box = document.getElementById("login");
    if (!box) { return; }
    var data = launchParams().get("tgWebAppData");
    if (!data && window.Telegram && window.Telegram.WebApp) {
      data = window.Telegram.WebApp.initData;
    }
    if (!data) { show("login-none"); return; }
    // The launch data is posted once and leaves the address bar and the history.
    window.history.replaceState(null, "", window.location.pathname);
    fetch("/session", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "init_data=" + encodeURIComponent(data)
    }).then(function (response) {
      if (response.ok) {
        window.location.replace(box.getAttribute("data-next"));
      } else {
        show("login-refused");
      }
    }, function () { show("login-refused"); });
  }

  theme();
  document.addEventListener("DOMContentLoaded", function () {
    login();
  });
}());
