// Topic page keyboard shortcuts, as on roadmap.sh: D done, L learning, S skip, R reset.
// Changes are sent one after another, in the order the keys were pressed.
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
})();
