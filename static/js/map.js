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

// The topic drawer: choosing a node shows its topic (the topic page's panel, ?panel=1) in the
// drawer beside the map, or as a sheet on a phone, and the address becomes the topic's own, so
// back, forward, reload and a shared link all land on it. Escape or Close goes back to the map
// and to the node. Without JavaScript, or with a modifier key, a node is a plain link.
(function () {
  "use strict";
  var map = document.querySelector(".roadmap-map");
  var drawer = document.getElementById("topic-panel");
  if (!map || !drawer || !window.htmx || !window.history.pushState) return;
  var placeholder = drawer.innerHTML;
  var mapUrl = location.pathname + location.search;
  var shown = null; // the address of the topic the drawer shows (its node may be swapped since)

  function nodeLink(url) {
    return map.querySelector('a.node-title[href="' + url.replace(/"/g, "") + '"]');
  }

  function open(url, push) {
    shown = url;
    if (push) history.pushState({ topic: url }, "", url);
    return window.htmx.ajax("GET", url + "?panel=1", { target: drawer, swap: "innerHTML" }).then(function () {
      drawer.classList.add("is-open");
      document.body.classList.add("has-drawer");
      var heading = drawer.querySelector("#drawer-heading");
      if (heading) heading.focus();
    });
  }

  function close() {
    drawer.classList.remove("is-open");
    document.body.classList.remove("has-drawer");
    drawer.innerHTML = placeholder;
    var link = shown && nodeLink(shown);
    if (link) link.focus();
  }

  function leave() {
    if (history.state && history.state.topic) {
      history.back(); // popstate closes the drawer
    } else {
      close();
    }
  }

  map.addEventListener("click", function (event) {
    var link = event.target.closest("a.node-title");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    var url = link.getAttribute("href");
    shown = url;
    if (history.state && history.state.topic) {
      // Another topic while one is shown: the drawer shows it in the same history entry.
      history.replaceState({ topic: url }, "", url);
      open(url, false);
    } else {
      open(url, true);
    }
  });

  drawer.addEventListener("click", function (event) {
    if (event.target.closest("[data-drawer-close]")) leave();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && drawer.classList.contains("is-open")) {
      event.preventDefault();
      leave();
    }
  });

  window.addEventListener("popstate", function (event) {
    if (event.state && event.state.topic) {
      open(event.state.topic, false);
    } else if (location.pathname + location.search === mapUrl) {
      close();
    }
  });
})();
