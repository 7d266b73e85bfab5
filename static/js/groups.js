// @mention autocomplete for post text areas (progressive enhancement: without
// JavaScript people type "@姓名" themselves; see directory/groups/mentions.py).
// The text gets the name only; the id of the person picked goes in a hidden
// "mention" field of the form, so namesakes stay apart.
(function () {
  "use strict";
  var menu = null, active = null, timer = null;

  function close() { if (menu) { menu.remove(); menu = null; } }

  function query(area) {
    var before = area.value.slice(0, area.selectionStart);
    var m = /@([^\s@#]{1,20})$/.exec(before);
    return m ? m[1] : null;
  }

  function insert(area, token, id) {
    var pos = area.selectionStart, before = area.value.slice(0, pos), after = area.value.slice(pos);
    if (area.form && id) {
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "mention";
      hidden.value = id;
      area.form.appendChild(hidden);
    }
    var start = before.lastIndexOf("@");
    area.value = before.slice(0, start) + token + " " + after;
    var caret = start + token.length + 1;
    area.setSelectionRange(caret, caret);
    area.focus();
    close();
  }

  function show(area, people) {
    close();
    if (!people.length) { return; }
    menu = document.createElement("ul");
    menu.className = "mention-menu";
    menu.setAttribute("role", "listbox");
    people.forEach(function (p, i) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", i === 0 ? "true" : "false");
      li.textContent = p.org ? p.name + " · " + p.org : p.name;
      li.dataset.token = p.token;
      li.dataset.id = p.id;
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); insert(area, p.token, p.id); });
      menu.appendChild(li);
    });
    area.parentNode.classList.add("mention-wrap");
    area.parentNode.appendChild(menu);
  }

  function lookup(area) {
    var q = query(area);
    if (!q) { close(); return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(area.dataset.mentionUrl + "?q=" + encodeURIComponent(q), {
        headers: { "Accept": "application/json" }, credentials: "same-origin"
      }).then(function (r) { return r.ok ? r.json() : []; })
        .then(function (people) { if (active === area) { show(area, people); } });
    }, 200);
  }

  function move(step) {
    var items = Array.prototype.slice.call(menu.querySelectorAll("li"));
    var i = items.findIndex(function (li) { return li.getAttribute("aria-selected") === "true"; });
    items[i].setAttribute("aria-selected", "false");
    items[(i + step + items.length) % items.length].setAttribute("aria-selected", "true");
  }

  document.addEventListener("input", function (ev) {
    var area = ev.target;
    if (area.tagName === "TEXTAREA" && area.dataset.mentionUrl) { active = area; lookup(area); }
  });
  document.addEventListener("keydown", function (ev) {
    if (!menu || ev.target !== active) { return; }
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") { ev.preventDefault(); move(ev.key === "ArrowDown" ? 1 : -1); }
    else if (ev.key === "Enter" || ev.key === "Tab") {
      var sel = menu.querySelector('li[aria-selected="true"]');
      if (sel) { ev.preventDefault(); insert(active, sel.dataset.token, sel.dataset.id); }
    } else if (ev.key === "Escape") { close(); }
  });
  document.addEventListener("focusout", function (ev) { if (ev.target === active) { setTimeout(close, 150); } });
})();
