// Live updates: a page that names live topics ([data-live-topic], with the version it shows)
// follows them over the WebSocket at /ws/. A message says only what changed and its version;
// the page then asks for itself again, as an ordinary request, and updates what differs in
// place: counts and states, edited replies, a hidden reply removed, new replies behind a
// "2 new replies: show" button that keeps the reader where they are. Without JavaScript, or
// with the socket down, the page is exactly as served; a lost socket reconnects with backoff
// and jitter, and catches up by version when it subscribes again.
(function () {
  "use strict";

  var targets = document.querySelectorAll("[data-live-topic]");
  if (!targets.length || !("WebSocket" in window) || !window.fetch || !window.DOMParser) return;

  var SESSION_ENDED = 4401;
  var NOT_ALLOWED = 4403;
  var RETRY_MAX_MS = 30000;

  var versions = {}; // topic -> the version the page shows (null: ask for the current one)
  targets.forEach(function (element) {
    versions[element.getAttribute("data-live-topic")] = element.getAttribute("data-live-version");
  });

  // A part the page swapped in itself (htmx: the learner's own status change) may name a newer
  // version of its topic: the page shows that one now.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-live-topic][data-live-version]").forEach(function (element) {
      var topic = element.getAttribute("data-live-topic");
      if (topic in versions) versions[topic] = element.getAttribute("data-live-version");
    });
  });

  function remember(topic, version) {
    versions[topic] = version;
    var marker = document.querySelector('[data-live-topic="' + topic + '"][data-live-version]');
    if (marker) marker.setAttribute("data-live-version", version);
  }

  var socket = null;
  var attempts = 0;
  var retryTimer = null;
  var stopped = false;

  function connect() {
    retryTimer = null;
    if (stopped || (socket && socket.readyState <= WebSocket.OPEN)) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/");
    socket.onopen = function () {
      attempts = 0;
      Object.keys(versions).forEach(function (topic) {
        socket.send(JSON.stringify({ subscribe: topic, version: versions[topic] }));
      });
    };
    socket.onmessage = function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      var handle = handlers[message.type];
      if (handle) handle(message);
    };
    socket.onclose = function (event) {
      socket = null;
      // The session ended or the member may not follow live: the page stays as it is.
      if (event.code === SESSION_ENDED || event.code === NOT_ALLOWED) {
        stopped = true;
        return;
      }
      retryLater();
    };
  }

  // Exponential backoff with full jitter: a restarted server is not met by every page at once.
  function retryLater() {
    if (stopped || retryTimer) return;
    var ceiling = Math.min(RETRY_MAX_MS, 1000 * Math.pow(2, attempts));
    attempts += 1;
    retryTimer = setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  }

  // Back on the network, or back to the tab: try now rather than at the next backoff.
  function retryNow() {
    if (stopped || socket) return;
    if (retryTimer) clearTimeout(retryTimer);
    attempts = 0;
    connect();
  }
  window.addEventListener("online", retryNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") retryNow();
  });

  // --- Asking the page for itself again --------------------------------------------------

  var refreshing = {}; // topic -> {running, again}

  // Fetch this page again and apply it; one request at a time per topic, and one more if a
  // change arrived meanwhile.
  function refresh(topic, apply) {
    var state = refreshing[topic] || (refreshing[topic] = { running: false, again: false });
    if (state.running) {
      state.again = true;
      return;
    }
    state.running = true;
    fetch(location.pathname + location.search, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var shown = page.querySelector('[data-live-topic="' + topic + '"][data-live-version]');
        apply(page);
        if (shown) remember(topic, shown.getAttribute("data-live-version"));
      })
      .catch(function () {
        /* the page stays as it is; the next change or reconnection tries again */
      })
      .then(function () {
        state.running = false;
        if (state.again) {
          state.again = false;
          refresh(topic, apply);
        }
      });
  }

  // The fresh copy, within `root`, of the control `node`: the one that does the same (a button's
  // value, a link's href), wherever it now is (a reply's first reaction comes before its React
  // link); null for a control that says neither.
  function sameControl(root, node) {
    var attribute = ["value", "href"].find(function (name) { return node.hasAttribute(name); });
    if (!attribute) return null;
    var wanted = node.getAttribute(attribute);
    var candidates = root.querySelectorAll(node.tagName + "[" + attribute + "]");
    return Array.prototype.find.call(candidates, function (each) { return each.getAttribute(attribute) === wanted; }) || null;
  }

  // Put the fresh copy of an element in its place. Keyboard focus inside it stays on the same
  // control (found by what it does, or else by its place in the element), and htmx learns of
  // the new markup.
  function swap(current, fresh) {
    var focused = document.activeElement;
    var path = [];
    for (var node = focused; node && node !== current && current.contains(node); node = node.parentElement) {
      path.unshift(Array.prototype.indexOf.call(node.parentElement.children, node));
    }
    var replacement = document.importNode(fresh, true);
    current.replaceWith(replacement);
    if (window.htmx) window.htmx.process(replacement);
    if (!path.length) return;
    var target = sameControl(replacement, focused);
    if (!target) {
      target = replacement;
      path.forEach(function (index) {
        target = target && target.children[index];
      });
    }
    if (target && target.focus) target.focus({ preventScroll: true });
  }

  // Replace each element of `selector` (by id) whose markup changed; leave the others alone.
  function replaceChanged(page, selector) {
    page.querySelectorAll(selector).forEach(function (fresh) {
      var current = fresh.id && document.getElementById(fresh.id);
      if (current && current.outerHTML !== fresh.outerHTML) swap(current, fresh);
    });
  }

  // --- Thread pages -----------------------------------------------------------------------

  var THREAD_PARTS = "[data-live-part][id], .thread .reactions[id]";
  var newestPage = null;

  function commentIds(root) {
    var ids = {};
    root.querySelectorAll(".comment-list article[id]").forEach(function (article) {
      ids[article.id] = article;
    });
    return ids;
  }

  function applyThread(page) {
    if (!page.querySelector(".comment-list")) return; // not the thread any more (hidden, gone)
    replaceChanged(page, THREAD_PARTS);
    replaceReplyForm(page);
    var shown = commentIds(document);
    var fresh = commentIds(page);
    Object.keys(shown).forEach(function (id) {
      if (!fresh[id]) {
        var item = shown[id].closest("li") || shown[id];
        item.remove(); // hidden by a mentor, or deleted: gone from this page as from the next
      } else if (shown[id].outerHTML !== fresh[id].outerHTML) {
        swap(shown[id], fresh[id]);
      }
    });
    var added = Object.keys(fresh).filter(function (id) {
      return !shown[id];
    });
    newestPage = page;
    showBanner(added.length, null, laterReplies(page));
  }

  // New replies that land on a later page (replies are paged oldest first, so a new one goes
  // to the end): how many, and the page the first of them is on. Replies to a reply stay on
  // their parent's page and are counted among those shown here.
  function laterReplies(page) {
    var list = document.querySelector(".comment-list[data-replies]");
    var fresh = page.querySelector(".comment-list[data-replies]");
    if (!list || !fresh) return null;
    var known = Number(list.getAttribute("data-replies"));
    var perPage = Number(list.getAttribute("data-per-page"));
    var current = Number(list.getAttribute("data-page"));
    var here = fresh.querySelectorAll(":scope > li > article[id]").length;
    var onThisPage = Math.max(0, here - list.querySelectorAll(":scope > li > article[id]").length);
    var count = Number(fresh.getAttribute("data-replies")) - known - onThisPage;
    if (!(count > 0) || !(perPage > 0)) return null;
    var first = Math.floor((known + onThisPage) / perPage) + 1;
    return first > current ? { count: count, page: first, next: first === current + 1 } : null;
  }

  // The reply form follows the thread (locked, reopened) unless the reader is writing in it:
  // what they typed is never lost, and the server still refuses a reply to a locked thread.
  function replaceReplyForm(page) {
    var current = document.getElementById("reply-form");
    var fresh = page.getElementById("reply-form");
    if (!current || !fresh || current.outerHTML === fresh.outerHTML) return;
    var text = current.querySelector("textarea");
    if (text && (text.value.trim() || document.activeElement === text)) return;
    swap(current, fresh);
  }

  var banner = null;

  function bannerElement() {
    if (banner) return banner;
    var comments = document.querySelector(".comments");
    if (!comments) return null;
    banner = document.createElement("div");
    banner.className = "live-banner";
    banner.setAttribute("role", "status");
    banner.setAttribute("aria-live", "polite");
    comments.appendChild(banner);
    return banner;
  }

  function showBanner(count, words, later) {
    var region = bannerElement();
    if (!region) return;
    region.textContent = "";
    if (words) {
      var note = document.createElement("p");
      note.className = "message";
      note.textContent = words;
      region.appendChild(note);
      return;
    }
    if (count) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-small";
      button.setAttribute("data-live-show", "");
      button.textContent = Stepwise.say("new_replies", { count: count });
      region.appendChild(button);
    }
    if (later) {
      var link = document.createElement("a");
      link.className = "button button-small";
      link.setAttribute("data-live-later", "");
      var params = new URLSearchParams(location.search);
      params.set("page", String(later.page));
      link.href = location.pathname + "?" + params.toString() + "#comments-heading";
      link.textContent = later.next
        ? Stepwise.say("new_replies_next_page", { count: later.count })
        : Stepwise.say("new_replies_on_page", { count: later.count, page: later.page });
      region.appendChild(link);
    }
  }

  // Put the new replies in their places; the reply the reader was looking at stays where it
  // was on the screen, whatever is inserted above it.
  function showNewReplies() {
    var list = document.querySelector(".comment-list");
    var fresh = newestPage && newestPage.querySelector(".comment-list");
    if (!list || !fresh) return;
    var before = commentIds(document);
    var anchor = firstVisibleComment();
    var top = anchor ? anchor.getBoundingClientRect().top : 0;
    var later = laterReplies(newestPage);
    swap(list, fresh);
    var shownList = document.querySelector(".comment-list[data-replies]");
    if (later && shownList) {
      // The replies on later pages stay announced until the reader goes to them.
      shownList.setAttribute("data-replies", String(Number(shownList.getAttribute("data-replies")) - later.count));
    }
    if (anchor) {
      var same = document.getElementById(anchor.id);
      if (same) window.scrollBy(0, same.getBoundingClientRect().top - top);
    }
    showBanner(0, null, later);
    var first = Object.keys(commentIds(document)).filter(function (id) {
      return !before[id];
    })[0];
    var article = first && document.getElementById(first);
    if (article) {
      article.setAttribute("tabindex", "-1");
      article.focus({ preventScroll: true });
    }
  }

  function firstVisibleComment() {
    var articles = document.querySelectorAll(".comment-list article[id]");
    for (var index = 0; index < articles.length; index += 1) {
      if (articles[index].getBoundingClientRect().bottom > 0) return articles[index];
    }
    return null;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-live-show]")) showNewReplies();
  });

  // --- The header's count and the learner's statuses --------------------------------------

  function updateCount(message) {
    versions.notifications = message.version;
    document.querySelectorAll('[data-live-topic="notifications"]').forEach(function (link) {
      var count = link.querySelector("[data-unread-count]");
      if (!message.unread) {
        if (count) count.remove();
        return;
      }
      if (!count) {
        count = document.createElement("span");
        count.className = "count";
        count.setAttribute("data-unread-count", "");
        link.appendChild(count);
      }
      count.textContent = String(message.unread);
      var label = document.createElement("span");
      label.className = "visually-hidden";
      label.textContent = " " + Stepwise.say("unread");
      count.appendChild(label);
    });
  }

  var PROGRESS_PARTS = "#status-panel, #map-progress, li.topic-node[id], .section-progress[id]";

  // Every open page of a thread hears of its change at the same moment: each waits a moment
  // of its own before asking, so a thread read by a thousand does not bring a thousand
  // requests in the same millisecond.
  var SPREAD_MS = 1000;

  var handlers = {
    thread: function (message) {
      var topic = "thread:" + message.id;
      if (message.version === versions[topic]) return;
      setTimeout(function () {
        refresh(topic, applyThread);
      }, Math.random() * SPREAD_MS);
    },
    notifications: updateCount,
    progress: function (message) {
      if (message.version !== versions.progress) {
        refresh("progress", function (page) {
          replaceChanged(page, PROGRESS_PARTS);
        });
      }
    },
    refused: function (message) {
      delete versions[message.topic];
      if (message.topic.indexOf("thread:") === 0) {
        showBanner(0, Stepwise.say("thread_closed"));
      }
    },
  };

  connect();
})();
