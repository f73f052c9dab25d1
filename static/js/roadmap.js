// Keyboard shortcuts for the status of the topic shown, on its page and in the map's drawer, as
// on roadmap.sh: D done, L learning, S skip, R reset. Changes are sent one after another, in the
// order the keys were pressed.
(function () {
  "use strict";
  var pending = Promise.resolve();

  function send(button) {
    var form = button.form;
    if (!window.htmx) {
      form.requestSubmit(button);
      return;
    }
    pending = pending.then(function () {
      // Look the form up again: the previous change may have swapped it.
      var current = document.querySelector("#status-panel form");
      return window.htmx.ajax("POST", current.getAttribute("action"), {
        source: current,
        target: "#status-panel",
        swap: "outerHTML",
        values: { status: button.value },
      });
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    var button = document.querySelector('#status-panel button[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (button) {
      event.preventDefault();
      send(button);
    }
  });

  // A topic page reloaded from the map's drawer shares its history with the map (the drawer
  // pushed its address): Back then changes the address without loading the map, so load it.
  if (!document.querySelector(".roadmap-map")) {
    var here = location.pathname;
    window.addEventListener("popstate", function () {
      if (location.pathname !== here) location.reload();
    });
  }
})();
