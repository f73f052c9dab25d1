// Small progressive enhancements: theme toggle, closing menus, the browser's timezone. Pages
// work without it.
(function () {
  "use strict";

  // The words scripts show, in the page's language: a JSON block in the page
  // (config/script_words.py). `say("new_replies", { count: 3 })` fills in %(count)s, and picks
  // the form for the count when the text has plural forms. Scripts loaded after this one use it.
  var words = null;
  function say(name, values) {
    if (!words) {
      var element = document.getElementById("script-words");
      words = element ? JSON.parse(element.textContent) : {};
    }
    var text = words[name] || "";
    if (typeof text === "object") {
      var form = new Intl.PluralRules(document.documentElement.lang).select(values.count);
      text = text[form] || text.other;
    }
    return text.replace(/%\((\w+)\)s/g, function (placeholder, key) {
      return values && key in values ? String(values[key]) : placeholder;
    });
  }
  window.Stepwise = { say: say };

  function currentTheme() {
    var explicit = document.documentElement.getAttribute("data-theme");
    if (explicit) return explicit;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-theme-toggle]");
    if (toggle) {
      var next = currentTheme() === "dark" ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      document.cookie = "theme=" + next + "; path=/; max-age=31536000; SameSite=Lax";
      return;
    }
    document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  // The language switcher comes back to this page (without JavaScript, the server reads the
  // Referer instead).
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-language-switcher]");
    if (!form) return;
    var params = new URLSearchParams(window.location.search);
    params.delete("lang");
    var query = params.toString();
    form.elements.next.value = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
  });

  // Escape closes an open menu; focus that was inside it goes back to the menu's opener (a
  // closed menu's links are hidden, and focus on them would be lost to the page's top).
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll("details.account-menu[open]").forEach(function (menu) {
        var hadFocus = menu.contains(document.activeElement);
        menu.removeAttribute("open");
        if (hadFocus) menu.querySelector("summary").focus();
      });
    }
  });

  // htmx: send the CSRF token with every request it makes.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.querySelector("meta[name=csrf-token]");
    if (token) event.detail.headers["X-CSRFToken"] = token.content;
  });

  // htmx leaves the target alone on an error status; a preview refused as too long (413) or
  // too frequent (429) says why in its body, so show that where the preview would have been,
  // and a flag form sent with a mistake (400), twice (409) or not allowed (403) comes back
  // with its message in place of the form.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var isPreview = (status === 413 || status === 429) && event.target.closest("[data-preview-button]");
    var isFlagForm = (status === 400 || status === 403 || status === 409) && event.target.closest(".flag-control");
    if (isPreview || isFlagForm) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Timezone selects (accounts.forms.TimezoneField): the browser's own zone, when the list has
  // it, is chosen at once ("fill", on sign-up while still the default) or offered ("offer").
  function browserTimezone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return "";
    }
  }

  document.querySelectorAll("select[data-timezone-detect]").forEach(function (select) {
    var zone = browserTimezone();
    var option = Array.prototype.find.call(select.options, function (candidate) {
      return candidate.value === zone;
    });
    if (!option || select.value === zone) return;
    if (select.getAttribute("data-timezone-detect") === "fill") {
      if (select.value === "UTC") select.value = zone;
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-quiet button-small timezone-offer";
    button.textContent = say("timezone_offer", { zone: option.textContent });
    button.addEventListener("click", function () {
      select.value = zone;
      select.focus();
      button.remove();
    });
    select.insertAdjacentElement("afterend", button);
  });
})();
