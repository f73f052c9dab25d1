// Thread page: reactions toggle in place, a reply's "React" link opens all three reactions in
// place, "Flag" opens its form in place, and "Reply" links fill in which comment the reply
// answers, without a reload. Without JavaScript each is still a plain form post or link.
(function () {
  "use strict";

  // Swaps a post's reactions for the answer of `method` `url`, then puts the focus back on the
  // button of reaction `value` (or the first), so that a keyboard stays where it was.
  function swapReactions(reactions, method, url, source, values, value) {
    var post = reactions.parentElement;
    window.htmx
      .ajax(method, url, { source: source, target: reactions, swap: "outerHTML", values: values })
      .then(function () {
        var buttons = post.querySelectorAll(":scope > .reactions > button");
        var focus = Array.prototype.find.call(buttons, function (button) { return button.value === value; });
        if ((focus || buttons[0]) && document.activeElement === document.body) (focus || buttons[0]).focus();
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".reactions > button");
    if (!button || !button.form || !window.htmx || button.disabled) return;
    event.preventDefault();
    var values = {}; // set=<reaction> or clear=<reaction>: the state asked for, never "toggle"
    values[button.name] = button.value;
    swapReactions(button.closest(".reactions"), "POST", button.form.getAttribute("action"), button, values, button.value);
  });

  // "React" (href: the comment's reaction page) brings that page's buttons into the reply.
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".reactions > a");
    if (!link || !window.htmx || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    swapReactions(link.closest(".reactions"), "GET", link.getAttribute("href"), link, {}, null);
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

  // The handle of a comment's author, from the link to their profile in its header (/u/<handle>/),
  // or the words that stand for a former member.
  function authorName(article) {
    var profile = article.querySelector('header > a:not([href^="#"])');
    if (!profile) return article.querySelector("header > .comment-author").textContent;
    return decodeURIComponent(new URL(profile.href).pathname.split("/").filter(Boolean).pop());
  }

  var form = document.getElementById("reply-form");
  if (!form) return;
  var parentInput = form.querySelector("[data-parent-input]");
  var note = form.querySelector("[data-replying-to]");
  var textarea = form.querySelector("textarea");

  document.addEventListener("click", function (event) {
    var link = event.target.closest('.comment-list footer > a[href^="?reply="]'); // ?reply=<comment id>#reply-form
    if (link && parentInput) {
      event.preventDefault();
      parentInput.value = new URL(link.href).searchParams.get("reply");
      note.hidden = false;
      note.firstChild.textContent = Stepwise.say("replying_to", { name: authorName(link.closest("article")) }) + " ";
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
