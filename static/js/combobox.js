// One autocomplete for every picker (ARIA 1.2 combobox with a listbox popup).
// Markup comes from templates/_macros/picker.html: a text input (role=combobox) whose
// htmx request fills the listbox with <li role="option" data-value data-label>, and a
// hidden input carrying the picked id. Without JavaScript the text is sent as typed and
// the server resolves it, offering a plain list of radio buttons when it is ambiguous.
(function () {
  "use strict";

  function parts(input) {
    var box = input.closest("[data-picker]");
    return box && {
      box: box,
      list: box.querySelector("[role=listbox]"),
      hidden: box.querySelector("input[type=hidden][data-picker-value]"),
      label: box.querySelector("input[type=hidden][data-picker-label]")
    };
  }

  function options(list) {
    return Array.prototype.slice.call(list.querySelectorAll("[role=option]:not([aria-disabled=true])"));
  }

  function open(input, p) {
    var has = p.list.querySelector("[role=option]") !== null;
    p.list.hidden = !has;
    input.setAttribute("aria-expanded", has ? "true" : "false");
  }

  function close(input, p) {
    p.list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function activate(input, p, index) {
    var items = options(p.list);
    if (!items.length) { return; }
    index = (index + items.length) % items.length;
    items.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", items[index].id);
    items[index].scrollIntoView({ block: "nearest" });
  }

  function choose(input, p, li) {
    input.value = li.dataset.label;
    p.hidden.value = li.dataset.value;
    if (p.label) { p.label.value = li.dataset.label; }  // the text that goes with the id
    close(input, p);
    input.dispatchEvent(new CustomEvent("picker:chosen", { bubbles: true, detail: { value: li.dataset.value } }));
  }

  document.addEventListener("htmx:afterSwap", function (ev) {
    var list = ev.detail.target;
    if (!list || list.getAttribute("role") !== "listbox") { return; }
    var input = document.querySelector("[aria-controls='" + list.id + "']");
    if (!input) { return; }
    options(list).forEach(function (li, i) {
      li.id = list.id + "-" + i;
      li.setAttribute("aria-selected", "false");
    });
    if (document.activeElement === input) { open(input, parts(input)); }
  });

  document.addEventListener("input", function (ev) {
    var input = ev.target;
    if (input.getAttribute("role") !== "combobox") { return; }
    var p = parts(input);
    if (p && p.hidden) { p.hidden.value = ""; }  // typing again undoes the last pick
  });

  document.addEventListener("keydown", function (ev) {
    var input = ev.target;
    if (input.getAttribute("role") !== "combobox") { return; }
    var p = parts(input);
    if (!p) { return; }
    var items = options(p.list);
    var current = items.findIndex(function (li) { return li.getAttribute("aria-selected") === "true"; });
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (p.list.hidden) { open(input, p); }
      activate(input, p, current < 0 ? (ev.key === "ArrowDown" ? 0 : -1) : current + (ev.key === "ArrowDown" ? 1 : -1));
    } else if (ev.key === "Enter" && !p.list.hidden && current >= 0) {
      ev.preventDefault();  // picking, not submitting the form
      choose(input, p, items[current]);
    } else if (ev.key === "Escape" && !p.list.hidden) {
      ev.preventDefault();
      close(input, p);
    }
  });

  document.addEventListener("mousedown", function (ev) {
    var li = ev.target.closest && ev.target.closest("[data-picker] [role=option]");
    if (!li || li.getAttribute("aria-disabled") === "true") { return; }
    ev.preventDefault();  // keep the focus in the input
    var input = li.closest("[data-picker]").querySelector("[role=combobox]");
    choose(input, parts(input), li);
  });

  document.addEventListener("focusout", function (ev) {
    var input = ev.target;
    if (input.getAttribute && input.getAttribute("role") === "combobox") {
      var p = parts(input);
      if (p) { close(input, p); }
    }
  });
})();
