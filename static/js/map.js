// The roadmap map: remember which sections the learner folded, per roadmap, in this browser.
// The map's HTML is shared by everyone (every section open); the state is applied here.
(function () {
  "use strict";
  var map = document.querySelector(".roadmap-map");
  if (!map) return;
  var key = "stepwise:folded:" + location.pathname;
  var folded;
  try {
    folded = JSON.parse(localStorage.getItem(key) || "[]");
  } catch (error) {
    folded = [];
  }
  if (!Array.isArray(folded)) folded = [];
  var target = location.hash && document.getElementById(location.hash.slice(1));
  folded.forEach(function (id) {
    var section = document.getElementById(id);
    if (section && section.matches("details.map-section") && !(target && section.contains(target))) {
      section.open = false;
    }
  });
  map.addEventListener(
    "toggle",
    function (event) {
      if (!event.target.matches("details.map-section")) return;
      var closed = Array.prototype.map.call(map.querySelectorAll("details.map-section:not([open])"), function (section) {
        return section.id;
      });
      try {
        localStorage.setItem(key, JSON.stringify(closed));
      } catch (error) {
        // Private browsing may refuse storage: folding still works for this visit.
      }
    },
    true
  );
})();
