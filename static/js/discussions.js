// Thread page: reactions toggle in place, "Flag" opens its form in place, and "Reply" links
// fill in which comment the reply answers, without a reload. Without JavaScript each is still a
// plain form post or link.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".reactions > button");
    if (!button || !button.form || !window.htmx || button.disabled) return;
    event.preventDefault();
    var values = {}; // set=<reaction> or clear=<reaction>: the state asked for, never "toggle"
    values[button.name] = button.value;
    window.htmx.ajax("POST", button.form.getAttribute("action"), {
      source: button,
      target: button.closest(".reactions"),
      swap: "outerHTML",
      values: values,
    });
  });

  // "Flag" opens its form in place of the link (the link alone opens the flag page).
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".flag-control > a");
    if (!link || !window.htmx || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    window.htmx.ajax("GET", link.getAttribute("href"), {
      source: link,
      target: link.closest(".flag-control"),
      swap: "innerHTML",
    });
  });

  // A refused reaction (too fast, not allowed) says why beside its buttons.
  document.addEventListener("htmx:responseError", function (event) {
    var reactions = event.detail.target;
    if (!reactions || !reactions.classList || !reactions.classList.contains("reactions")) return;
    var note = reactions.querySelector("[data-reaction-error]");
    if (!note) {
      note = document.createElement("span");
      note.setAttribute("data-reaction-error", "");
      note.setAttribute("role", "alert");
      note.className = "muted";
      reactions.appendChild(note);
    }
    note.textContent = event.detail.xhr.responseText;
  });

  var form = document.getElementById("reply-form");
  if (!form) return;
  var parentInput = form.querySelector("[data-parent-input]");
  var note = form.querySelector("[data-replying-to]");
  var textarea = form.querySelector("textarea");

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-reply-name]"); // href="?reply=<comment id>#reply-form"
    if (link && parentInput) {
      event.preventDefault();
      parentInput.value = new URL(link.href).searchParams.get("reply");
      note.hidden = false;
      note.firstChild.textContent = Stepwise.say("replying_to", { name: link.getAttribute("data-reply-name") }) + " ";
      form.scrollIntoView({ behavior: "smooth", block: "start" });
      if (textarea) textarea.focus({ preventScroll: true });
      return;
    }
    if (event.target.closest("[data-cancel-reply]") && parentInput) {
      parentInput.value = "";
      note.hidden = true;
    }
  });
})();
