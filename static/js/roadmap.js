// Topic page keyboard shortcuts, as on roadmap.sh: D done, L learning, S skip, R reset.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    var target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    var button = document.querySelector('#status-panel button[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });
})();
