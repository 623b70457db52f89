// Indberet – the app's own JavaScript. Loaded with defer after htmx and dkfds.
// No inline script anywhere (CSP script-src 'self'): everything goes here.
(function () {
  "use strict";

  // Initialise the dkfds components (accordions, modals, tooltips, error
  // summaries, ...) inside scope; without a scope the whole document.
  function initDKFDS(scope) {
    if (!window.DKFDS || typeof window.DKFDS.init !== "function") {
      return;
    }
    try {
      window.DKFDS.init(scope ? { scope: scope } : undefined);
    } catch (e) {
      if (window.console) {
        window.console.error("DKFDS.init fejlede", e);
      }
    }
  }

  // Enhance everything this file adds behaviour to inside root (an element).
  function enhance(root) {
    enhanceAll(root, "select[data-combobox]", enhanceCombobox);
    enhanceAll(root, "fieldset[data-multipicker]", enhanceMultiPicker);
    if (root === document.body) {
      focusFirstField();
    }
  }

  // enhanceAll calls fn once for root (when it matches sel) and for every
  // element below it that matches sel.
  function enhanceAll(root, sel, fn) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    if (root.matches && root.matches(sel)) {
      fn(root);
    }
    var found = root.querySelectorAll(sel);
    for (var i = 0; i < found.length; i++) {
      fn(found[i]);
    }
  }

  // ---- What this file adds to the server's HTML -----------------------------
  //
  // A live update morphs the server's new HTML into the page (see the guard
  // below): what this file added must survive it. markGenerated marks an
  // element this file created (the morph does not remove it); markEnhanced an
  // attribute it set on a server element (the morph does not remove it).
  function markGenerated(el) {
    el.setAttribute("data-generated", "");
  }

  function markEnhanced(el, attr) {
    el._enhancedAttrs = el._enhancedAttrs || {};
    el._enhancedAttrs[attr] = true;
  }

  // ---- Text search helpers -------------------------------------------------

  // fold makes text comparable: Unicode NFC (so "å" typed one way matches
  // "å" stored another way) and Danish lower case.
  function fold(s) {
    s = String(s || "");
    if (s.normalize) {
      s = s.normalize("NFC");
    }
    return s.toLocaleLowerCase("da");
  }

  // searchWords splits what the user typed into folded words.
  function searchWords(s) {
    return fold(s).split(/\s+/).filter(function (w) {
      return w !== "";
    });
  }

  // containsAll tells whether every word occurs in the folded haystack.
  function containsAll(haystack, words) {
    for (var i = 0; i < words.length; i++) {
      if (haystack.indexOf(words[i]) < 0) {
        return false;
      }
    }
    return true;
  }

  function countText(n) {
    if (n === 0) {
      return "Ingen resultater";
    }
    return n === 1 ? "1 resultat" : n + " resultater";
  }

  var uid = 0;
  function newID(prefix) {
    uid += 1;
    return prefix + "-" + uid;
  }

  // leafOf is the last segment of a code's path ("Funktionsnedsættelse > Fysisk
  // funktionsnedsættelse > Synsnedsættelse" → "Synsnedsættelse"): the server
  // joins the FFB hierarchy with " > " (domain.JoinPath). Text without a path
  // is its own leaf.
  function leafOf(text) {
    var i = text.lastIndexOf(" > ");
    return i < 0 ? text : text.slice(i + 3);
  }

  // ---- Option lists, shared by the pickers ---------------------------------
  //
  // An item is one option of a picker's listbox: {li, haystack, ...}.

  function visibleOf(items) {
    return items.filter(function (it) {
      return !it.li.hidden;
    });
  }

  // highlight moves the visual focus from the item prev to item (null: none),
  // points the input's aria-activedescendant at it, and returns item.
  function highlight(input, prev, item) {
    if (prev) {
      prev.li.classList.remove("is-active");
    }
    if (item) {
      item.li.classList.add("is-active");
      input.setAttribute("aria-activedescendant", item.li.id);
      if (item.li.scrollIntoView) {
        item.li.scrollIntoView({ block: "nearest" });
      }
    } else {
      input.removeAttribute("aria-activedescendant");
    }
    return item;
  }

  // matchAll shows the items that contain every word of q (all when q is
  // empty) and returns how many.
  function matchAll(items, q) {
    var words = searchWords(q);
    var n = 0;
    for (var i = 0; i < items.length; i++) {
      var hit = words.length === 0 || containsAll(items[i].haystack, words);
      items[i].li.hidden = !hit;
      if (hit) {
        n++;
      }
    }
    return n;
  }

  // showList opens (on) or closes the listbox of the picker whose text field is
  // input and whose wrapper is wrapper.
  function showList(input, listbox, wrapper, on) {
    listbox.hidden = !on;
    wrapper.classList.toggle("is-open", on);
    if (!on) {
      wrapper.classList.remove("is-empty");
    }
    input.setAttribute("aria-expanded", on ? "true" : "false");
  }

  // stepFrom is the visible item delta (+1 or -1) from active, wrapping; the
  // first or last one without active; null when none is visible.
  function stepFrom(items, active, delta) {
    var vis = visibleOf(items);
    if (vis.length === 0) {
      return null;
    }
    var pos = active ? vis.indexOf(active) : -1;
    if (pos < 0) {
      return vis[delta > 0 ? 0 : vis.length - 1];
    }
    return vis[(pos + delta + vis.length) % vis.length];
  }

  // ---- Searchable multi-select: <fieldset data-multipicker> ---------------
  //
  // (Issue 17, faster paths.) The server renders a fieldset of checkboxes (it
  // works without JavaScript). Here the checkboxes become one control of two
  // Tab stops: a WAI-ARIA 1.2 combobox (a text input named by the legend)
  // with a multi-selectable listbox, and below it the chosen ones as a list of
  // chips, each a button that removes it. Typing filters the options (every
  // typed word must occur in the text or data-search); ArrowDown/ArrowUp move,
  // Enter or a click adds the highlighted option (or removes it when it is
  // chosen: aria-selected), Escape and Tab close the list. The chips are one
  // Tab stop (roving tabindex): arrow keys, Home and End move between them,
  // Enter, Space, Delete or Backspace remove one. The checkboxes stay in the
  // form, hidden, and carry the values: a change sets checkbox.checked and
  // dispatches a bubbling "change" event on it.
  //
  // What this adds is marked data-generated (a live update that morphs the
  // fields keeps it); enhancing the fieldset again (a live update brought
  // other checkboxes) rebuilds the options and chips from the checkboxes.
  function enhanceMultiPicker(fieldset) {
    if (fieldset._multipicker) {
      fieldset._multipicker.refresh();
      return;
    }
    var list = fieldset.querySelector("ul");
    var legend = fieldset.querySelector("legend");
    if (!list || !legend) {
      return;
    }
    var id = fieldset.id || newID("multipicker");
    if (!legend.id) {
      legend.id = id + "-legend";
      markEnhanced(legend, "id"); // a live update's morph keeps it: the search field's name
    }

    var root = document.createElement("div");
    root.className = "multipicker";
    root.setAttribute("data-generated", "");
    var wrapper = document.createElement("div");
    wrapper.className = "combobox";
    var input = document.createElement("input");
    var listbox = document.createElement("ul");
    var status = document.createElement("div");
    var chips = document.createElement("ul");
    var listID = id + "-listbox";

    input.type = "text";
    input.className = "form-input combobox-input";
    input.id = id + "-soeg";
    input.placeholder = "Søg og tilføj";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listID);
    input.setAttribute("aria-labelledby", legend.id);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("autocapitalize", "off");
    input.spellcheck = false;
    if (fieldset.hasAttribute("aria-describedby")) {
      input.setAttribute("aria-describedby", fieldset.getAttribute("aria-describedby"));
    }
    if (fieldset.querySelector(".form-error-message")) {
      input.setAttribute("aria-invalid", "true");
    }

    listbox.id = listID;
    listbox.className = "combobox-listbox";
    listbox.setAttribute("role", "listbox");
    listbox.setAttribute("aria-multiselectable", "true");
    listbox.setAttribute("aria-labelledby", legend.id);
    listbox.hidden = true;

    status.className = "combobox-status";
    status.setAttribute("role", "status");

    chips.className = "nobullet-list multipicker-chips";
    chips.id = id + "-valgte";
    chips.setAttribute("aria-label", "Valgte: " + (legend.textContent || "").replace(/\s+/g, " ").replace(/\s*\*\s*$/, "").trim());

    wrapper.appendChild(input);
    wrapper.appendChild(listbox);
    wrapper.appendChild(status);
    root.appendChild(wrapper);
    root.appendChild(chips);
    // Before the checkbox list: the stylesheet hides a list that follows a picker.
    list.parentNode.insertBefore(root, list);

    var items = [];
    var active = null;
    var open = false;
    var rover = 0; // the index of the chip that holds the chips' Tab stop

    // build makes one option per checkbox, in order, and the chips.
    function build() {
      items = [];
      active = null;
      listbox.textContent = "";
      input.removeAttribute("aria-activedescendant");
      var boxes = list.querySelectorAll("input[type=checkbox]");
      for (var i = 0; i < boxes.length; i++) {
        var box = boxes[i];
        var label = box.labels && box.labels.length ? box.labels[0] : null;
        var textEl = label ? label.cloneNode(true) : null;
        if (textEl) {
          var hints = textEl.querySelectorAll(".form-hint");
          for (var h = 0; h < hints.length; h++) {
            hints[h].remove();
          }
        }
        var text = (textEl ? textEl.textContent : box.value).replace(/\s+/g, " ").trim();
        var group = box.closest(".form-group-checkbox");
        var li = document.createElement("li");
        li.id = id + "-option-" + i;
        li.setAttribute("role", "option");
        li.className = "combobox-option";
        li.textContent = text;
        li._item = {
          box: box,
          text: text,
          haystack: fold(text + " " + ((group && group.getAttribute("data-search")) || "")),
          li: li
        };
        items.push(li._item);
        listbox.appendChild(li);
      }
      showChosen();
    }

    function chosen() {
      return items.filter(function (it) {
        return it.box.checked;
      });
    }

    // showChosen marks the chosen options and lists them as chips.
    function showChosen() {
      var had = chips.contains(document.activeElement);
      chips.textContent = "";
      var ch = chosen();
      items.forEach(function (it) {
        it.li.setAttribute("aria-selected", it.box.checked ? "true" : "false");
      });
      rover = Math.max(0, Math.min(rover, ch.length - 1));
      ch.forEach(function (it, i) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "multipicker-chip";
        b.tabIndex = i === rover ? 0 : -1;
        b.title = it.text;
        var sr = document.createElement("span");
        sr.className = "sr-only";
        sr.textContent = "Fjern ";
        var name = document.createElement("span");
        name.textContent = leafOf(it.text);
        var x = document.createElement("span");
        x.className = "multipicker-x";
        x.setAttribute("aria-hidden", "true");
        x.textContent = "×";
        b.appendChild(sr);
        b.appendChild(name);
        b.appendChild(x);
        b._item = it;
        li.appendChild(b);
        chips.appendChild(li);
      });
      chips.hidden = ch.length === 0;
      if (had) {
        focusChip(rover);
      }
    }

    function chipButtons() {
      return chips.querySelectorAll("button.multipicker-chip");
    }

    function focusChip(i) {
      var bs = chipButtons();
      if (bs.length === 0) {
        input.focus();
        return;
      }
      rover = Math.max(0, Math.min(i, bs.length - 1));
      for (var j = 0; j < bs.length; j++) {
        bs[j].tabIndex = j === rover ? 0 : -1;
      }
      bs[rover].focus();
    }

    // toggle adds the item when it is not chosen and removes it when it is.
    function toggle(item) {
      item.box.checked = !item.box.checked;
      item.box.dispatchEvent(new Event("change", { bubbles: true }));
      var n = chosen().length;
      showChosen();
      status.textContent = leafOf(item.text) + (item.box.checked ? " tilføjet. " : " fjernet. ") + (n === 1 ? "1 valgt." : n + " valgt.");
    }

    function setActive(item) {
      active = highlight(input, active, item);
    }

    function filter(q) {
      var n = matchAll(items, q);
      setActive(null);
      wrapper.classList.toggle("is-empty", n === 0);
      status.textContent = q.trim() !== "" ? countText(n) : "";
    }

    function openList() {
      open = true;
      showList(input, listbox, wrapper, true);
    }

    // close closes the list and drops what was typed.
    function close() {
      setActive(null);
      open = false;
      showList(input, listbox, wrapper, false);
      input.value = "";
      filter("");
    }

    function pick(item) {
      close();
      toggle(item);
    }

    // Typing filters and opens the list.
    input.addEventListener("input", function () {
      openList();
      filter(input.value);
    });

    input.addEventListener("keydown", function (e) {
      if (e.altKey && e.key !== "ArrowDown" && e.key !== "ArrowUp") {
        return;
      }
      switch (e.key) {
        case "ArrowUp":
        case "Up":
        case "ArrowDown":
        case "Down":
          e.preventDefault();
          var delta = e.key === "ArrowUp" || e.key === "Up" ? -1 : 1;
          if (!open) {
            filter(input.value);
            openList();
            setActive(stepFrom(items, active, delta));
          } else if (!e.altKey) {
            setActive(stepFrom(items, active, delta));
          }
          break;
        case "Enter":
          if (!open) {
            return; // a closed list lets Enter submit the form
          }
          e.preventDefault();
          var vis = visibleOf(items);
          if (active) {
            pick(active);
          } else if (vis.length === 1) {
            pick(vis[0]);
          }
          break;
        case "Escape":
        case "Esc":
          if (open || input.value) {
            e.preventDefault();
          }
          close();
          break;
        case "Tab":
          close();
          break;
      }
    });

    input.addEventListener("click", function () {
      if (!open) {
        filter(input.value);
        openList();
      }
    });
    input.addEventListener("blur", function () {
      if (open) {
        close();
      }
    });

    listbox.addEventListener("mousedown", function (e) {
      e.preventDefault(); // keep the focus in the input
    });
    listbox.addEventListener("click", function (e) {
      var li = e.target.closest ? e.target.closest("li[role=option]") : null;
      if (li && li._item) {
        pick(li._item);
      }
      input.focus();
    });

    chips.addEventListener("click", function (e) {
      var b = e.target.closest ? e.target.closest("button.multipicker-chip") : null;
      if (!b || !b._item) {
        return;
      }
      // The focus stays on the chips (the next one, else the previous one) or,
      // with none left, goes to the input.
      rover = Array.prototype.slice.call(chipButtons()).indexOf(b);
      toggle(b._item);
    });
    chips.addEventListener("keydown", function (e) {
      var bs = Array.prototype.slice.call(chipButtons());
      var at = bs.indexOf(document.activeElement);
      if (at < 0) {
        return;
      }
      switch (e.key) {
        case "ArrowRight":
        case "ArrowDown":
        case "Right":
        case "Down":
          e.preventDefault();
          focusChip(Math.min(at + 1, bs.length - 1));
          break;
        case "ArrowLeft":
        case "ArrowUp":
        case "Left":
        case "Up":
          e.preventDefault();
          focusChip(Math.max(at - 1, 0));
          break;
        case "Home":
          e.preventDefault();
          focusChip(0);
          break;
        case "End":
          e.preventDefault();
          focusChip(bs.length - 1);
          break;
        case "Delete":
        case "Backspace":
          e.preventDefault();
          bs[at].click();
          break;
      }
    });

    if (list.closest("form")) {
      list.closest("form").addEventListener("reset", function () {
        window.setTimeout(showChosen, 0);
      });
    }

    fieldset._multipicker = { refresh: build, input: input };
    build();
  }

  // A link of the error summary to a multi-select (its fieldset) puts the focus
  // in its search field.
  document.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest(".error-summary a[href^='#']") : null;
    var el = a ? document.getElementById(a.getAttribute("href").slice(1)) : null;
    if (el && el._multipicker) {
      e.preventDefault();
      el._multipicker.input.focus();
    }
  });

  // ---- The first field has the focus (issue 17, faster paths) --------------
  //
  // On a page with a form marked data-focus-first the focus starts in its
  // first field that can take it (a picker's text field, the chosen radio
  // button of a group), so a keyboard user types at once. A page that answers a
  // refused form (422) has an error summary instead: dkfds moves the focus to
  // it (data-module="error-summary"), as DKFDS recommends, and it links to the
  // fields. (Not the autofocus attribute: htmx would apply it again on every
  // live update of the fields.)
  function focusFirstField() {
    var summary = document.querySelector(".error-summary");
    if (summary) {
      summary.focus();
      return;
    }
    var form = document.querySelector("form[data-focus-first]");
    if (!form) {
      return;
    }
    if (document.activeElement && document.activeElement !== document.body) {
      return; // the user is already somewhere
    }
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!focusable(el)) {
        continue;
      }
      if (el.type === "radio" && !el.checked && el.name) {
        var group = form.querySelectorAll("input[type=radio]");
        for (var j = 0; j < group.length; j++) {
          if (group[j].name === el.name && group[j].checked && focusable(group[j])) {
            el = group[j];
            break;
          }
        }
      }
      el.focus();
      return;
    }
  }

  // focusable tells whether el is a field a user can type in or choose with:
  // not a button, not hidden, not disabled, not taken out of the Tab order.
  function focusable(el) {
    var tag = el.tagName;
    if (tag !== "INPUT" && tag !== "SELECT" && tag !== "TEXTAREA") {
      return false;
    }
    if (el.disabled || el.tabIndex < 0 || /^(hidden|submit|button|reset|image)$/.test(el.type)) {
      return false;
    }
    return el.getClientRects().length > 0;
  }

  // ---- Searchable picker: <select data-combobox> ---------------------------
  //
  // The server renders a plain <select data-combobox> (it works without
  // JavaScript). Here it becomes a WAI-ARIA 1.2 combobox with list
  // autocomplete: a text input (which takes over the select's id, so the
  // <label for> names it, and its aria-describedby, aria-invalid and
  // required) and a listbox of options below it. Typing filters the options
  // (every typed word must occur in the option text or its data-search);
  // ArrowDown/ArrowUp move, Enter or a click selects (Enter without a
  // highlighted option takes the typed code, else the first match), Escape
  // closes and restores, Tab accepts the highlighted option (if any) and
  // moves on. The select stays in the form, hidden, and carries the value: a
  // selection sets select.value and dispatches a bubbling "change" event (htmx
  // triggers on it). An option with value "" means "none" and is selectable like the rest.
  function enhanceCombobox(select) {
    if (select.hasAttribute("data-combobox-ready") || select.multiple) {
      return;
    }
    select.setAttribute("data-combobox-ready", "");

    var id = select.id || newID("combobox");
    var label = null;
    if (select.id) {
      var labels = document.querySelectorAll("label[for]");
      for (var l = 0; l < labels.length; l++) {
        if (labels[l].htmlFor === select.id) {
          label = labels[l];
          break;
        }
      }
    }

    var wrapper = document.createElement("div");
    wrapper.className = "combobox";
    var input = document.createElement("input");
    var listbox = document.createElement("ul");
    var status = document.createElement("div");
    var listID = id + "-listbox";
    // The whole path of a chosen code whose text is a path (FFB), under the
    // input, which shows its leaf (issue 17): added to the wrapper by show().
    var path = document.createElement("p");
    path.className = "form-hint combobox-path";
    path.id = id + "-sti";
    path.hidden = true;

    // Width classes of the select (dkfds input-width-*) size the whole picker.
    for (var c = 0; c < select.classList.length; c++) {
      if (select.classList[c].indexOf("input-width-") === 0) {
        wrapper.classList.add(select.classList[c]);
      }
    }

    input.type = "text";
    input.className = "form-input combobox-input";
    select.removeAttribute("id");
    input.id = id;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listID);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("autocapitalize", "off");
    input.spellcheck = false;
    ["aria-describedby", "aria-invalid", "aria-required", "aria-label", "aria-labelledby"].forEach(function (a) {
      if (select.hasAttribute(a)) {
        input.setAttribute(a, select.getAttribute(a));
        select.removeAttribute(a);
      }
    });
    if (select.required) {
      input.required = true;
      select.required = false;
    }
    input.disabled = select.disabled;

    listbox.id = listID;
    listbox.className = "combobox-listbox";
    listbox.setAttribute("role", "listbox");
    listbox.hidden = true;
    if (label) {
      if (!label.id) {
        label.id = id + "-label";
        markEnhanced(label, "id");
      }
      listbox.setAttribute("aria-labelledby", label.id);
    } else if (input.hasAttribute("aria-labelledby")) {
      listbox.setAttribute("aria-labelledby", input.getAttribute("aria-labelledby"));
    } else if (input.hasAttribute("aria-label")) {
      listbox.setAttribute("aria-label", input.getAttribute("aria-label"));
    }

    status.className = "combobox-status";
    status.setAttribute("role", "status");

    var items = [];
    var active = null; // the highlighted item (visual focus), or null
    var open = false;

    // buildItems makes one item per option (options inside an optgroup
    // included, in order): at start and when a live update brings other options.
    function buildItems() {
      items = [];
      active = null;
      listbox.textContent = "";
      input.removeAttribute("aria-activedescendant");
      var none = null; // the item of the first option with value "", if any
      for (var i = 0; i < select.options.length; i++) {
        var opt = select.options[i];
        var text = (opt.textContent || "").replace(/\s+/g, " ").trim();
        var li = document.createElement("li");
        li.id = id + "-option-" + i;
        li.setAttribute("role", "option");
        li.className = "combobox-option";
        li.textContent = text || "(ingen)";
        var item = {
          index: i,
          value: opt.value,
          text: text,
          haystack: fold(text + " " + (opt.getAttribute("data-search") || "")),
          li: li
        };
        if (opt.disabled) {
          li.setAttribute("aria-disabled", "true");
        }
        if (opt.value === "" && none === null) {
          none = item;
        }
        items.push(item);
        listbox.appendChild(li);
      }
      if (none && none.text) {
        input.placeholder = none.text;
      } else {
        input.removeAttribute("placeholder");
      }
    }
    buildItems();

    select.classList.add("combobox-native");
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    // After the select, not before: a live update morphs the page in order, and
    // the select must be found before the picker that has the focus.
    select.parentNode.insertBefore(wrapper, select.nextSibling);
    wrapper.appendChild(input);
    wrapper.appendChild(listbox);
    wrapper.appendChild(status);
    markGenerated(wrapper);

    function selected() {
      var i = select.selectedIndex;
      return i >= 0 ? items[i] : null;
    }

    // show puts the selected option's text in the input ("none" shows empty,
    // with its text as placeholder) and marks it aria-selected.
    // A path (FFB) shows its leaf in the input, the whole path under it (and as
    // the input's title and description).
    function show() {
      var sel = selected();
      var full = sel && sel.value !== "" ? sel.text : "";
      input.value = leafOf(full);
      showPath(input.value !== full ? full : "");
      for (var i = 0; i < items.length; i++) {
        items[i].li.setAttribute("aria-selected", items[i] === sel ? "true" : "false");
      }
    }

    function showPath(text) {
      if (!path.parentNode) {
        wrapper.appendChild(path);
      }
      path.textContent = text;
      path.hidden = text === "";
      var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) {
        return x !== "" && x !== path.id;
      });
      if (text !== "") {
        ids.push(path.id);
        input.title = text;
      } else {
        input.removeAttribute("title");
      }
      if (ids.length > 0) {
        input.setAttribute("aria-describedby", ids.join(" "));
      } else {
        input.removeAttribute("aria-describedby");
      }
    }

    function visibleItems() {
      return visibleOf(items);
    }

    function setActive(item) {
      active = highlight(input, active, item);
    }

    // typedMatch is what Enter takes when no option is highlighted (issue 17,
    // faster paths): the option whose code is exactly what was typed ("1.3",
    // not "1.3.1"), else the first one shown; none when nothing was typed and
    // more than one is shown.
    function typedMatch() {
      var vis = visibleItems().filter(function (it) {
        return it.li.getAttribute("aria-disabled") !== "true";
      });
      var q = fold(input.value).trim();
      for (var i = 0; i < vis.length; i++) {
        if (q !== "" && fold(vis[i].text).indexOf(q + " ") === 0) {
          return vis[i];
        }
      }
      return vis.length === 1 || (q !== "" && vis.length > 0) ? vis[0] : null;
    }

    // filter shows the options that contain every typed word (all when q is
    // empty) and tells screen readers how many there are.
    function filter(q) {
      var words = searchWords(q);
      var n = matchAll(items, q);
      setActive(null);
      wrapper.classList.toggle("is-empty", n === 0);
      status.textContent = words.length > 0 ? countText(n) : "";
      return n;
    }

    function openList() {
      if (open) {
        return;
      }
      open = true;
      showList(input, listbox, wrapper, true);
    }

    function closeList() {
      setActive(null);
      open = false;
      showList(input, listbox, wrapper, false);
      status.textContent = "";
    }

    // restore closes the list, clears the filter and shows the selection again.
    function restore() {
      closeList();
      filter("");
      status.textContent = "";
      show();
    }

    function choose(item) {
      if (!item || item.li.getAttribute("aria-disabled") === "true") {
        return;
      }
      var changed = select.selectedIndex !== item.index;
      select.selectedIndex = item.index;
      restore();
      if (changed) {
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    // move highlights the next (+1) or previous (-1) visible option, wrapping.
    function move(delta) {
      var next = stepFrom(items, active, delta);
      if (next) {
        setActive(next);
      }
    }

    // openAt opens the full list with the selected option (or the first or
    // last one) highlighted: ArrowDown/ArrowUp on a closed picker.
    function openAt(delta) {
      filter("");
      openList();
      var sel = selected();
      if (sel && sel.value !== "") {
        setActive(sel);
      } else {
        move(delta);
      }
    }

    input.addEventListener("input", function () {
      filter(input.value);
      openList();
    });

    input.addEventListener("keydown", function (e) {
      if (e.altKey && e.key !== "ArrowDown" && e.key !== "ArrowUp") {
        return;
      }
      switch (e.key) {
        case "ArrowDown":
        case "Down":
          e.preventDefault();
          if (!open) {
            openAt(1);
          } else if (!e.altKey) {
            move(1);
          }
          break;
        case "ArrowUp":
        case "Up":
          e.preventDefault();
          if (e.altKey) {
            if (open && active) {
              choose(active);
            }
          } else if (!open) {
            openAt(-1);
          } else {
            move(-1);
          }
          break;
        case "Enter":
          if (!open) {
            return; // a closed picker lets Enter submit the form
          }
          e.preventDefault();
          choose(active || typedMatch());
          break;
        case "Escape":
        case "Esc":
          if (open) {
            e.preventDefault();
          }
          restore();
          break;
        case "Tab":
          if (open && active) {
            choose(active);
          } else {
            restore();
          }
          break;
      }
    });

    input.addEventListener("click", function () {
      if (!open) {
        filter("");
        openList();
      }
    });

    // Leaving the field (mouse elsewhere) drops a half-typed filter.
    input.addEventListener("blur", restore);

    // Keep the focus in the input while the mouse picks an option.
    listbox.addEventListener("mousedown", function (e) {
      e.preventDefault();
    });
    listbox.addEventListener("click", function (e) {
      var li = e.target.closest ? e.target.closest("li[role=option]") : null;
      for (var i = 0; li && i < items.length; i++) {
        if (items[i].li === li) {
          choose(items[i]);
          break;
        }
      }
      input.focus();
    });

    // The select can change from elsewhere (a script, a form reset).
    select.addEventListener("change", show);
    if (select.form) {
      select.form.addEventListener("reset", function () {
        window.setTimeout(show, 0);
      });
    }

    // update takes what a live update renders for this select (next, a plain
    // <select data-combobox>): whether it is required, invalid and described,
    // and its options. keep: the user is in the picker or has changed the
    // choice since the update was asked for, so the choice stays as it is.
    function update(next, keep) {
      ["aria-describedby", "aria-invalid", "aria-required"].forEach(function (a) {
        if (next.hasAttribute(a)) {
          input.setAttribute(a, next.getAttribute(a));
        } else {
          input.removeAttribute(a);
        }
      });
      input.required = next.required;
      input.disabled = next.disabled;
      var value = keep ? select.value : next.value;
      var kept = keep ? select.options[select.selectedIndex] : null;
      if (optionsKey(next) !== optionsKey(select)) {
        select.textContent = "";
        for (var i = 0; i < next.options.length; i++) {
          select.appendChild(document.importNode(next.options[i], true));
        }
        if (kept && !hasOption(select, value)) {
          select.appendChild(kept); // the user's choice, even if the new options lack it
        }
        buildItems();
        if (open) {
          filter(input.value);
        }
      }
      for (var j = 0; j < select.options.length; j++) {
        select.options[j].selected = select.options[j].value === value;
      }
      if (!keep || input !== document.activeElement) {
        show();
      }
    }
    select._combobox = { update: update, input: input };

    show();
  }

  // optionsKey describes a select's options (value, text, search words,
  // disabled), to tell whether a live update changed them.
  function optionsKey(select) {
    var parts = [];
    for (var i = 0; i < select.options.length; i++) {
      var o = select.options[i];
      parts.push([o.value, o.textContent, o.getAttribute("data-search") || "", o.disabled ? "1" : ""].join("\u0001"));
    }
    return parts.join("\u0002");
  }

  function hasOption(select, value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) {
        return true;
      }
    }
    return false;
  }

  // ---- Live updates never lose typing (issue 17 #2) ------------------------
  //
  // A live update (the ydelse fields re-rendered when the indsatskode or the
  // start date changes) is morphed into the page by idiomorph (hx-ext="morph",
  // hx-swap="morph"), so the elements stay and so does the focus. The guard
  // below keeps what the user did while the update was under way: the field
  // the user is in and every field changed since the request was sent keep
  // their value (and a picker its choice); everything else (which fields are
  // required, the options, the hints) comes from the server.

  // controlState is what a form control holds, to compare over time.
  function controlState(el) {
    if (el.type === "checkbox" || el.type === "radio") {
      return el.checked ? "1" : "";
    }
    if (el.multiple && el.options) {
      var v = [];
      for (var i = 0; i < el.options.length; i++) {
        if (el.options[i].selected) {
          v.push(el.options[i].value);
        }
      }
      return v.join("\n");
    }
    return String(el.value);
  }

  // snapshot is every control of form with what it held when a request was sent.
  function snapshot(form) {
    var m = new Map();
    for (var i = 0; i < form.elements.length; i++) {
      m.set(form.elements[i], controlState(form.elements[i]));
    }
    return m;
  }

  var sentState = new WeakMap(); // xhr → snapshot of its form when it was sent
  var morphGuard = null; // {sent: snapshot} while a response is morphed in

  // guarded tells whether the morph must keep el's value: el is the focused
  // field (or a picker whose text field is focused), or changed since sent.
  function guarded(el) {
    if (!el || el.nodeType !== 1) {
      return false;
    }
    // The field the user is in, but not a box or radio merely focused (Tab passes
    // through the Varighed radios): those are kept only when changed.
    var active = document.activeElement;
    if ((el === active && !isCheckable(el)) || (el._combobox && el._combobox.input === active)) {
      return true;
    }
    if (!morphGuard || !morphGuard.sent.has(el)) {
      return false;
    }
    return morphGuard.sent.get(el) !== controlState(el);
  }

  function isCheckable(el) {
    return el && (el.type === "checkbox" || el.type === "radio");
  }

  // The checked boxes and radios of a guarded morph are kept by name and value
  // (their ids count options, which a new start date renumbers).
  function guardedChecks(form) {
    var out = [];
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (isCheckable(el) && el.name && guarded(el)) {
        out.push({ name: el.name, value: el.value, checked: el.checked });
      }
    }
    return out;
  }

  function restoreChecks(form, checks) {
    checks.forEach(function (c) {
      for (var i = 0; i < form.elements.length; i++) {
        var el = form.elements[i];
        if (isCheckable(el) && el.name === c.name && el.value === c.value) {
          el.checked = c.checked;
        }
      }
    });
  }

  var morphCallbacks = {
    beforeNodeRemoved: function (node) {
      return !(node.nodeType === 1 && node.hasAttribute("data-generated"));
    },
    beforeNodeMorphed: function (oldNode, newNode) {
      if (oldNode.nodeType === 1 && oldNode._combobox && newNode.nodeType === 1 && newNode.tagName === "SELECT") {
        oldNode._combobox.update(newNode, guarded(oldNode));
        return false;
      }
      return true;
    },
    beforeAttributeUpdated: function (attr, el, how) {
      if (how === "remove" && el._enhancedAttrs && el._enhancedAttrs[attr]) {
        return false;
      }
      if (attr === "value" || attr === "checked") {
        if (isCheckable(el)) {
          return true; // boxes and radios: restoreChecks after the morph
        }
        if (!el.name && (el.tagName === "INPUT" || el.tagName === "TEXTAREA")) {
          return false; // a field of the page, not of the form: a list's search words
        }
        return !guarded(el);
      }
      if (attr === "selected" && el.parentNode) {
        var sel = el.closest("select");
        return !guarded(sel);
      }
      return true;
    }
  };

  // ---- A form survives an ended session (issue 17 #3) -----------------------
  //
  // When a form[data-kladde] is sent, what it sends (but the CSRF token) is
  // kept in this tab's sessionStorage: never localStorage, never a URL, gone
  // with the tab. The next page decides what becomes of it:
  // - the page that refuses the form because the session ended or the page was
  //   stale ([data-kladde-afvist] names the form's path) keeps it and says so;
  // - the login page keeps a kept form;
  // - the form's own page, for the user who typed it, gets the values back
  //   (and the live update of the fields they decide), and the copy is deleted;
  // - every other page deletes it (the form was saved, or refused with its
  //   values on the page, or the user went elsewhere).
  var kladdeKey = "indberet.kladde";

  function readKladde() {
    try {
      var raw = window.sessionStorage.getItem(kladdeKey);
      return raw ? JSON.parse(raw) : null;
    } catch (e) {
      return null;
    }
  }

  function writeKladde(k) {
    try {
      window.sessionStorage.setItem(kladdeKey, JSON.stringify(k));
    } catch (e) {
      // storage full or switched off: the form is sent as before
    }
  }

  function clearKladde() {
    try {
      window.sessionStorage.removeItem(kladdeKey);
    } catch (e) {
      // nothing kept
    }
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (e.defaultPrevented || !form.matches) {
      return;
    }
    if (form.matches("form[action='/logout']")) {
      clearKladde(); // logging out on purpose: nothing is kept for the next user
      return;
    }
    if (!form.matches("form[data-kladde]")) {
      return;
    }
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "_csrf" && typeof value === "string") {
        fields.push([name, value]);
      }
    });
    writeKladde({
      action: new URL(form.action, window.location.href).pathname,
      bruger: form.getAttribute("data-kladde-bruger") || "",
      state: "sendt",
      fields: fields
    });
  });

  // fillForm puts the kept values into the form's fields: boxes and radios
  // checked by value, selects by value, text as it was.
  function fillForm(form, fields) {
    var byName = {};
    fields.forEach(function (f) {
      (byName[f[0]] = byName[f[0]] || []).push(f[1]);
    });
    Object.keys(byName).forEach(function (name) {
      var vals = byName[name];
      var els = form.querySelectorAll("[name='" + window.CSS.escape(name) + "']");
      var n = 0;
      for (var i = 0; i < els.length; i++) {
        var el = els[i];
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = vals.indexOf(el.value) >= 0;
        } else if (el.tagName === "SELECT") {
          for (var j = 0; j < el.options.length; j++) {
            el.options[j].selected = el.multiple ? vals.indexOf(el.options[j].value) >= 0 : el.options[j].value === vals[0];
          }
        } else if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") {
          el.value = vals[Math.min(n, vals.length - 1)];
          n++;
        }
      }
    });
  }

  // settleKladde runs once as the page loads; it returns the form that got
  // kept values back (and the values), or null.
  function settleKladde() {
    var k = readKladde();
    if (!k) {
      return null;
    }
    var afvist = document.querySelector("[data-kladde-afvist]");
    if (afvist) {
      if (k.action === afvist.getAttribute("data-kladde-afvist")) {
        k.state = "gemt";
        writeKladde(k);
        afvist.hidden = false;
      } else {
        clearKladde();
      }
      return null;
    }
    if (document.querySelector("form[data-login]")) {
      if (k.state !== "gemt") {
        clearKladde();
      }
      return null;
    }
    clearKladde();
    var form = document.querySelector("form[data-kladde]");
    if (k.state !== "gemt" || !form || window.location.pathname !== k.action ||
        (form.getAttribute("data-kladde-bruger") || "") !== k.bruger) {
      return null;
    }
    fillForm(form, k.fields);
    var note = document.createElement("div");
    note.className = "alert alert-info";
    note.id = "kladde-genskabt";
    note.setAttribute("role", "status");
    var body = document.createElement("div");
    body.className = "alert-body";
    var text = document.createElement("p");
    text.className = "alert-text";
    text.textContent = "Det, du skrev, før formularen blev afvist, er sat ind igen. Se det igennem, og send formularen.";
    body.appendChild(text);
    note.appendChild(body);
    form.parentNode.insertBefore(note, form);
    return { form: form, fields: k.fields };
  }

  // refreshKladde asks for the live update of the fields the kept values
  // decide (required fields, options, the FFB fields), sending the kept values
  // themselves: fields the empty form does not show get them too.
  function refreshKladde(kept) {
    var src = kept.form.querySelector("[hx-post]");
    if (!src || !window.htmx) {
      return;
    }
    var values = new FormData();
    kept.fields.forEach(function (f) {
      values.append(f[0], f[1]);
    });
    window.htmx.ajax("POST", src.getAttribute("hx-post"), { source: src, values: values });
  }

  var keptForm = settleKladde();

  var htmx = window.htmx;
  if (!htmx) {
    initDKFDS();
    enhance(document.body);
    return;
  }

  // CSP (script-src 'self', style-src 'self'): no eval (hx-on, js: in hx-vals),
  // no script tags from swapped content, no inline indicator styles
  // (also switched off before load by <meta name="htmx-config">).
  htmx.config.allowEval = false;
  htmx.config.allowScriptTags = false;
  htmx.config.includeIndicatorStyles = false;
  htmx.config.selfRequestsOnly = true;
  // Pages hold personal data: never snapshot them into localStorage;
  // on back/forward fetch the page from the server again.
  htmx.config.historyCacheSize = 0;
  htmx.config.refreshOnHistoryMiss = true;
  // 422 Unprocessable Content = the server re-rendered a form with
  // validation errors: swap it in like a 2xx. Other 4xx/5xx are errors.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
    { code: "...", swap: false }
  ];

  // An error the server sends to the page's message region (HX-Retarget
  // #side-besked: refused text, 422; the database out of reach, 503) is shown
  // whatever its status, and the part the request targeted stays as it is.
  // The region is emptied when the next request starts.
  var beskedRegion = "side-besked";
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr.getResponseHeader("HX-Retarget") === "#" + beskedRegion) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  document.body.addEventListener("htmx:beforeRequest", function () {
    var region = document.getElementById(beskedRegion);
    if (region) {
      region.textContent = "";
    }
  });

  if (window.Idiomorph) {
    window.Idiomorph.defaults.callbacks = Object.assign({}, window.Idiomorph.defaults.callbacks, morphCallbacks);
  }
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail.elt;
    var form = elt && elt.closest ? elt.closest("form") : null;
    if (form && e.detail.xhr) {
      sentState.set(e.detail.xhr, snapshot(form));
    }
  });
  // The guard is set just before a response is swapped in, and lifted after.
  var checksKept = null;
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    var sent = e.detail.xhr ? sentState.get(e.detail.xhr) : null;
    var elt = e.detail.requestConfig ? e.detail.requestConfig.elt : null;
    var form = elt && elt.closest ? elt.closest("form") : null;
    morphGuard = sent ? { sent: sent } : null;
    checksKept = form && sent ? { form: form, checks: guardedChecks(form) } : null;
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    if (checksKept) {
      restoreChecks(checksKept.form, checksKept.checks);
    }
    checksKept = null;
    morphGuard = null;
  });

  // htmx fires htmx:load on <body> once at start-up and then on every
  // swapped-in element, so this covers both the first page and new content.
  htmx.onLoad(function (elt) {
    enhance(elt);
    initDKFDS(elt === document.body ? undefined : elt);
    if (elt === document.body && keptForm) {
      refreshKladde(keptForm);
      keptForm = null;
    }
  });
})();
