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
// The node shown is marked (aria-current). Beside the map both stay in reach; the sheet covers
// the map, so while it is open the rest of the page is inert, as behind a modal dialog, and a
// tap outside it closes it.
(function () {
  "use strict";
  var map = document.querySelector(".roadmap-map");
  var drawer = document.getElementById("topic-panel");
  if (!map || !drawer || !window.htmx || !window.history.pushState) return;
  var placeholder = drawer.innerHTML;
  var mapUrl = location.pathname + location.search;
  var shown = null; // the address of the topic the drawer shows (its node may be swapped since)
  // The width at which static/css/app.css makes the drawer a sheet over the map.
  var sheet = window.matchMedia("(max-width: 900px)");
  var madeInert = [];

  function nodeLink(url) {
    return map.querySelector('a.node-title[href="' + url.replace(/"/g, "") + '"]');
  }

  function isOpen() {
    return drawer.classList.contains("is-open");
  }

  // A node's status change swaps the node (htmx), so the mark is set again after every swap.
  function markShown() {
    var link = isOpen() && shown && nodeLink(shown);
    map.querySelectorAll("a.node-title[aria-current]").forEach(function (other) {
      if (other !== link) other.removeAttribute("aria-current");
    });
    if (link) link.setAttribute("aria-current", "page");
  }

  // Everything but the open sheet and its ancestors is inert, so Tab stays in the sheet.
  function holdFocus() {
    madeInert.forEach(function (element) {
      element.inert = false;
    });
    madeInert = [];
    if (!isOpen() || !sheet.matches) return;
    for (var inside = drawer; inside !== document.body; inside = inside.parentElement) {
      Array.prototype.forEach.call(inside.parentElement.children, function (element) {
        if (element === inside || element.inert || element.matches("script, template")) return;
        element.inert = true;
        madeInert.push(element);
      });
    }
  }

  function open(url, push) {
    shown = url;
    if (push) history.pushState({ topic: url }, "", url);
    return window.htmx.ajax("GET", url + "?panel=1", { target: drawer, swap: "innerHTML" }).then(function () {
      drawer.classList.add("is-open");
      document.body.classList.add("has-drawer");
      markShown();
      holdFocus();
      var heading = drawer.querySelector("#drawer-heading");
      if (heading) heading.focus();
    });
  }

  function close() {
    drawer.classList.remove("is-open");
    document.body.classList.remove("has-drawer");
    drawer.innerHTML = placeholder;
    markShown();
    holdFocus();
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

  // The page behind the sheet is inert, so a tap on it lands on the page's body.
  document.addEventListener("click", function (event) {
    if (isOpen() && sheet.matches && !drawer.contains(event.target)) leave();
  });

  document.addEventListener("htmx:afterSwap", markShown);
  document.addEventListener("htmx:oobAfterSwap", markShown);
  if (sheet.addEventListener) sheet.addEventListener("change", holdFocus);

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
