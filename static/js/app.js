// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Filter panels (<details data-open-wide>) start open on wide screens.
  function openWide(root) {
    if (!window.matchMedia("(min-width: 760px)").matches) return;
    root.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
  }
  // Keep a filter panel open across htmx swaps of the results it lives in (a select
  // changed: more filters may follow). A link followed inside a folded filter panel on a
  // phone (a region picked) closes it instead, or the panel would cover the results.
  var openIds = {};
  var closing = null;
  document.addEventListener("click", function (event) {
    var link = event.target.closest("details[data-open-wide] a[hx-get]");
    closing = link && !window.matchMedia("(min-width: 760px)").matches
      ? link.closest("details[data-open-wide]").id : null;
  });
  document.addEventListener("htmx:beforeSwap", function () {
    document.querySelectorAll("details[id]").forEach(function (d) { openIds[d.id] = d.open; });
    if (closing) { openIds[closing] = false; closing = null; }
  });
  document.addEventListener("htmx:afterSwap", function () {
    Object.keys(openIds).forEach(function (id) {
      var d = document.getElementById(id);
      if (d && openIds[id]) d.open = true;
    });
  });
  // Copy buttons: <button data-copy="#input-id"> copies that field's value.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    field.select();
    var done = function () { button.textContent = button.getAttribute("data-copied") || "✓"; };
    if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    else { document.execCommand("copy"); done(); }
  });
  // The tree filter: <input data-filter-tree="#tree"> hides nodes whose text does not match.
  document.addEventListener("input", function (event) {
    var input = event.target.closest("input[data-filter-tree]");
    if (!input) return;
    var tree = document.querySelector(input.getAttribute("data-filter-tree"));
    if (!tree) return;
    var q = input.value.trim().toLowerCase();
    tree.querySelectorAll("li").forEach(function (li) {
      var show = !q || li.textContent.toLowerCase().indexOf(q) !== -1;
      li.hidden = !show;
      if (q && show) li.querySelectorAll(":scope > details").forEach(function (d) { d.open = true; });
    });
  });
  document.addEventListener("DOMContentLoaded", function () { openWide(document); });
})();
