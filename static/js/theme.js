// Applies the saved colour theme before the page paints; the toggle lives in app.js.
(function () {
  var match = document.cookie.match(/(?:^|; )theme=(light|dark)/);
  if (match) document.documentElement.setAttribute("data-theme", match[1]);
})();
